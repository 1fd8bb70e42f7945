#include "http/path.h"

#include <cctype>
#include <vector>

namespace bulwark::http {
namespace {

int Hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

absl::StatusOr<std::string> NormalizePath(std::string_view raw) {
  if (raw.empty() || raw.front() != '/')
    return absl::InvalidArgumentError("path must start with /");
  // Pass 1: decode only '.' and '/' escapes; refuse backslash and NUL in any form.
  std::string decoded;
  decoded.reserve(raw.size());
  for (size_t i = 0; i < raw.size(); ++i) {
    char c = raw[i];
    if (c == '\\') return absl::InvalidArgumentError("backslash in path");
    if (c != '%') {
      decoded.push_back(c);
      continue;
    }
    if (i + 2 >= raw.size() || Hex(raw[i + 1]) < 0 || Hex(raw[i + 2]) < 0) {
      return absl::InvalidArgumentError("malformed percent-encoding in path");
    }
    char v = static_cast<char>(Hex(raw[i + 1]) * 16 + Hex(raw[i + 2]));
    if (v == '\\') return absl::InvalidArgumentError("encoded backslash in path");
    if (v == '\0') return absl::InvalidArgumentError("encoded NUL in path");
    if (v == '.' || v == '/') {
      decoded.push_back(v);
    } else {
      decoded.push_back('%');
      decoded.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(raw[i + 1]))));
      decoded.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(raw[i + 2]))));
    }
    i += 2;
  }
  // Pass 2: resolve segments.
  std::vector<std::string_view> segments;
  std::string_view rest = decoded;
  while (!rest.empty()) {
    size_t slash = rest.find('/');
    std::string_view seg = rest.substr(0, slash);
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
    if (seg.empty() || seg == ".") continue;
    if (seg == "..") {
      // Popping the first segment would leave the provider's prefix.
      if (segments.size() <= 1) return absl::InvalidArgumentError("path escapes its prefix");
      segments.pop_back();
      continue;
    }
    segments.push_back(seg);
  }
  std::string out;
  for (std::string_view s : segments) {
    out.push_back('/');
    out.append(s);
  }
  if (out.empty()) out = "/";
  return out;
}

}  // namespace bulwark::http
