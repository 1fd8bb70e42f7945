// File: query.h
// Query strings and percent-escapes, decoded the way vendors and browsers read them.
//
//   auto params = ParseQuery("video%5Fid=v1&limit=10");  // {{"video_id","v1"},{"limit","10"}}
//   auto id = UniqueParam(*params, "video_id");             // "v1"; error if given twice
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace bulwark::http {

using QueryParams = std::vector<std::pair<std::string, std::string>>;

// 0-15 for a hex digit (either case), -1 otherwise.
int HexDigitValue(char c);

// Decodes %XX escapes (and nothing else: '+' stays '+'); nullopt on a malformed escape.
std::optional<std::string> PercentDecode(std::string_view in);

// Splits on '&' and the first '=' of each pair, decoding names and values. A pair without
// '=' has an empty value. InvalidArgument on a malformed escape.
absl::StatusOr<QueryParams> ParseQuery(std::string_view query);

// The one value of `name`; nullopt when absent; InvalidArgument when it appears twice
// (so a caller never checks one value while the next reader takes another).
absl::StatusOr<std::optional<std::string>> UniqueParam(const QueryParams& params,
                                                       std::string_view name);

}  // namespace bulwark::http
