// File: reserved_names.h
// Provider names that would collide with bulwark's own paths. The data plane routes
// `/{provider}/{rest}` (CONTRACT.md section 4), so a provider called `oauth2` would shadow or
// be shadowed by `POST /oauth2/token`, one called `healthz` by `GET /healthz`, and so on.
// Config validation refuses these names (so `bulwark check` and `bulwark serve` both stop
// with a clear reason), compared case-insensitively to leave no near-miss.
//
//   if (IsReservedProviderName("OAuth2")) ...  // true
#pragma once

#include <array>
#include <string>
#include <string_view>

namespace bulwark {

// The first path segment of every path bulwark answers itself, on either listener:
//   data plane:  /healthz, /readyz, /oauth2/token, /.well-known/jwks.json
//   admin:       /admin/v1/..., /metrics (kept off the data plane's provider names too, so
//                that a later move of either path cannot become a collision)
// A new path of bulwark's own must add its first segment here (a unit test in src/auth
// checks the token and JWKS paths).
inline constexpr std::array<std::string_view, 6> kReservedProviderNames = {
    "oauth2", ".well-known", "healthz", "readyz", "admin", "metrics"};

// True when `name` equals a reserved name, ignoring ASCII case.
bool IsReservedProviderName(std::string_view name);

// "oauth2, .well-known, ..." for error messages.
std::string ReservedProviderNamesText();

}  // namespace bulwark
