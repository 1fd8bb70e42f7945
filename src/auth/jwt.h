// File: jwt.h
// Strict parsing of compact JWS tokens (RFC 7515/7519) from hostile input.
//
//   auto jwt = auth::ParseJwt(token);            // structure, encoding, header rules
//   if (!jwt.ok()) -> 401                         // reason in jwt.status().message()
//   VerifySignature(...) (jwk.h), then CheckClaims(*jwt, expectations, now)
//
// ParseJwt never trusts the token: it refuses, before any key is looked at,
//   - tokens over kMaxTokenSize bytes, without exactly three non-empty segments;
//   - base64url that is padded, holds characters outside [A-Za-z0-9_-] or is not canonical;
//   - header or claims that are not one JSON object, or repeat a member name;
//   - `alg` missing or not a string, `none` in any casing;
//   - `jwk`, `jku`, `x5u`, `x5c` headers (keys named by the token itself), and any `crit`
//     (bulwark understands no extension);
//   - a `typ` other than JWT / at+jwt (case-insensitive), a `kid` that is not a short string.
// Whether `alg` is acceptable is decided by the caller's allow-list (jwk.h), never here.
// Thread-safe: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/status/statusor.h"

namespace bulwark::auth {

inline constexpr size_t kMaxTokenSize = 8192;

// Unpadded base64url (RFC 7515 section 2). Decode refuses padding, other characters and
// non-canonical encodings (stray low bits), so one byte string has one encoding.
std::string Base64UrlEncode(std::string_view data);
absl::StatusOr<std::string> Base64UrlDecode(std::string_view text);

// Parses `text` as one JSON object; refuses anything else, duplicate member names at any
// depth, and nesting deeper than 32.
absl::StatusOr<nlohmann::json> ParseStrictJsonObject(std::string_view text);

struct Jwt {
  nlohmann::json header;
  nlohmann::json claims;
  std::string alg;
  std::string kid;            // "" when absent
  std::string signing_input;  // "<header b64>.<claims b64>", the bytes that were signed
  std::string signature;      // decoded
};

// True when `token` has the shape of a compact JWS (two dots, base64url characters only),
// so authentication can tell a JWT from a bulwark key without parsing it.
bool LooksLikeJwt(std::string_view token);

absl::StatusOr<Jwt> ParseJwt(std::string_view token);

// What the claims must satisfy. Times are unix seconds.
struct ClaimExpectations {
  std::string issuer;    // `iss` must equal this
  std::string audience;  // `aud` (string or array of strings) must contain this
  int64_t now = 0;
  int64_t leeway = 1;
};

// Checks iss, aud, exp (required, numeric), nbf and iat (optional, numeric; iat may not be
// in the future), each with `leeway`, and that `sub` is a printable string of at most 256
// bytes. Returns the reason on failure ("jwt.expired", ...).
absl::Status CheckClaims(const Jwt& jwt, const ClaimExpectations& expect);

// A claim as a list of strings: a space-separated string or an array of strings.
// Other types give an empty list.
std::vector<std::string> ClaimStrings(const nlohmann::json& claims, const std::string& name);

}  // namespace bulwark::auth
