// File: path.h
// Normalisation of request paths before routing (CONTRACT.md section 7, hop-by-hop and
// paths): percent-encoded '.' and '/' are decoded, "." segments and empty segments are
// dropped, ".." pops a segment. A path that would climb out of its first segment (the
// provider prefix), holds a backslash (raw or %5C), a NUL, or a malformed escape is
// refused. Other escapes are kept (hex upper-cased) so the vendor sees the same resource.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace bulwark::http {

// `raw` is the path part of an origin-form target (starts with '/'). Returns the
// normalised path, starting with '/', without a trailing slash unless it is "/".
absl::StatusOr<std::string> NormalizePath(std::string_view raw);

}  // namespace bulwark::http
