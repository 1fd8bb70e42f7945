// File: jwt_authn.h
// Bearer JWTs as credentials (issue 3 items 4 and 5), called by the authn stage when the
// credential has the shape of a JWT:
//   - tokens bulwark issued at POST /oauth2/token (`iss` = [auth] issuer): verified with
//     the snapshot's signing keys (EdDSA only), aud "bulwark"; `sub` names the key, whose
//     current state is checked on every request (revoked or expired -> 401 at once); the
//     effective scopes are the token's scopes intersected with the key's current ones,
//     and the key's IP allowlist and rates apply unchanged;
//   - tokens of an external issuer ([auth.jwt.NAME], auth/issuers.h): they act as the
//     synthetic key "jwt:NAME:<sub>" with the issuer's tenant, scopes, rates and allowlist.
// Every failure is 401 unauthenticated with a reason such as "jwt.bad_signature".
// Thread-safe: immutable after Create.
#pragma once

#include <memory>
#include <string_view>
#include <unordered_map>

#include "absl/status/statusor.h"
#include "auth/issuers.h"
#include "config/config.h"
#include "pipeline/context.h"

namespace bulwark {

class JwtAuthenticator {
 public:
  // Loads the external issuers' keys; fails on an unreadable or invalid key file.
  static absl::StatusOr<std::unique_ptr<JwtAuthenticator>> Create(const Config& config);

  // Sets ctx.key and returns kContinue, or rejects with 401 and returns kStop.
  Stage::Result Authenticate(RequestContext& ctx, std::string_view token) const;

 private:
  explicit JwtAuthenticator(const Config& config) : config_(config) {}
  Stage::Result Own(RequestContext& ctx, const auth::Jwt& jwt, int64_t now) const;
  Stage::Result External(RequestContext& ctx, const auth::Jwt& jwt, int64_t now) const;

  const Config& config_;
  std::unique_ptr<auth::ExternalIssuers> external_;
  struct Limits {
    std::vector<Cidr> allow;
    std::vector<Rate> rates;
  };
  std::unordered_map<std::string, Limits> limits_;  // by issuer name
};

}  // namespace bulwark
