// File: minimize.h
// Data minimisation: keeps only the request fields an operation's allow-list names and
// drops (or reports) everything else, so internal ids and metadata never reach a vendor by
// accident.
//
//   ASSIGN_OR_RETURN(MinimizeResult out,
//                    Minimize(body, {"video_inputs[].character", "title", "dimension"}));
//   // out.dropped == {"internal_id", "video_inputs[].voice.note"}; out.body has neither.
//
// An allow-list entry is a path as in JsonRewriter: dot-separated keys, "[]" for every
// array element, "*" for any key ("variables.*.properties"). A field is kept when its path
// is an allowed path, lies below one (the whole subtree is allowed), or leads to one (the
// containers on the way are kept, and minimised in turn). When nothing is dropped the body
// is returned byte for byte. Otherwise every kept value is still copied byte for byte
// (numbers keep their spelling: 1.0 stays 1.0, 1e2 stays 1e2; strings keep their escapes);
// only the containers that are walked into are rewritten, compactly and in key order.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace bulwark::privacy {

struct MinimizeResult {
  std::string body;
  // Paths of the dropped fields ("metadata", "video_inputs[].character.internal_id"), in
  // order of first appearance, without duplicates, at most kMaxDroppedNames of them. A key
  // that is not a plain identifier (it could itself carry personal data) is listed as
  // "<key>" in its place. Never values.
  std::vector<std::string> dropped;
  // Number of fields dropped (all of them, also beyond kMaxDroppedNames).
  size_t dropped_count = 0;
};

inline constexpr size_t kMaxDroppedNames = 32;

// Fails with kInvalidArgument if `body` is not a JSON document or nests deeper than 128
// levels. An empty `allowed` list keeps every field.
absl::StatusOr<MinimizeResult> Minimize(std::string_view body,
                                        std::span<const std::string_view> allowed);

}  // namespace bulwark::privacy
