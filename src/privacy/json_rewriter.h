// File: json_rewriter.h
// PII rewriting inside JSON request bodies, byte-preserving: only the string literals
// that are selected and contain findings are re-encoded; every other byte (whitespace,
// numbers, key order, other escapes) is copied unchanged, so the output is valid JSON of
// the same structure.
//
// Strings are decoded before scanning (escapes such as \u0040 or \n are resolved), so a
// finding may span an escape in the original body.
//
//   JsonRewriter rewriter({"video_inputs[].voice.input_text"});
//   ASSIGN_OR_RETURN(JsonRewriteResult out,
//                    rewriter.Rewrite(body, scanner, policy, &pseudonyms));
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "privacy/rewrite.h"
#include "privacy/scanner.h"

namespace bulwark::privacy {

struct JsonRewriteResult {
  std::string body;
  bool blocked = false;
  std::vector<PiiType> blocked_types;
  std::array<int, kNumPiiTypes> found{};
  std::array<int, kNumPiiTypes> changed{};
};

class JsonRewriter {
 public:
  // `paths` select string values: dot-separated keys, "[]" for every array element, e.g.
  // "messages[].content", "video_inputs[].voice.input_text", "input_text". A path may also
  // name an array or object, selecting every string below it. An empty list selects all
  // strings in the body (object keys are never rewritten).
  explicit JsonRewriter(std::vector<std::string> paths = {});

  // Fails with kInvalidArgument if `body` is not valid JSON (or nests deeper than 128
  // levels); callers must then refuse the request rather than forward it.
  absl::StatusOr<JsonRewriteResult> Rewrite(std::string_view body, const Scanner& scanner,
                                            const Policy& policy, Pseudonymizer* pseudonyms,
                                            std::span<const PiiType> consented = {}) const;

 private:
  std::vector<std::vector<std::string>> paths_;
};

// Encodes `value` as a JSON string literal, quotes included.
std::string JsonQuote(std::string_view value);

}  // namespace bulwark::privacy
