#include "http/query.h"

#include <fmt/format.h>

namespace bulwark::http {

int HexDigitValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<std::string> PercentDecode(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out.push_back(in[i]);
      continue;
    }
    if (i + 2 >= in.size()) return std::nullopt;
    int hi = HexDigitValue(in[i + 1]), lo = HexDigitValue(in[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return out;
}

absl::StatusOr<QueryParams> ParseQuery(std::string_view query) {
  QueryParams out;
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query.remove_prefix(amp == std::string_view::npos ? query.size() : amp + 1);
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    std::optional<std::string> name = PercentDecode(pair.substr(0, eq));
    std::optional<std::string> value =
        PercentDecode(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1));
    if (!name || !value) return absl::InvalidArgumentError("malformed %-escape in the query");
    out.emplace_back(std::move(*name), std::move(*value));
  }
  return out;
}

absl::StatusOr<std::optional<std::string>> UniqueParam(const QueryParams& params,
                                                       std::string_view name) {
  std::optional<std::string> found;
  for (const auto& [n, v] : params) {
    if (n != name) continue;
    if (found) {
      return absl::InvalidArgumentError(
          fmt::format("query parameter '{}' is given more than once", name));
    }
    found = v;
  }
  return found;
}

}  // namespace bulwark::http
