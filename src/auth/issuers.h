// File: issuers.h
// External identity providers ([auth.jwt.NAME]): their JWTs are accepted as Bearer
// credentials and act as the synthetic key "jwt:NAME:<sub>".
//
//   auto issuers = ExternalIssuers::Create(config);   // reads JWKS / PEM files once
//   auto id = issuers->Verify(jwt, now, leeway);       // after ParseJwt
//   if (!id.ok()) -> 401; else id->key_id, id->tenant, id->scopes
//
// Verification: the (unverified) `iss` picks the issuer, whose own keys alone are tried;
// `alg` must be in that issuer's allow-list and match the key's type; a token `kid` must
// name one of its keys; then exp/nbf/iat/aud/iss are checked with the leeway. Scopes are
// the claimed ones (mapped through claim_scopes when configured) intersected with
// allowed_scopes. Keys are loaded at startup: a changed JWKS file needs a restart.
// Thread-safe once created (immutable).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "auth/jwk.h"
#include "auth/jwt.h"
#include "config/config.h"

namespace bulwark::auth {

struct ExternalIdentity {
  const JwtIssuerConfig* issuer = nullptr;
  std::string key_id;  // "jwt:NAME:<sub>"
  std::string tenant;
  std::vector<std::string> scopes;
  int64_t expires_at = 0;
};

class ExternalIssuers {
 public:
  static absl::StatusOr<std::unique_ptr<ExternalIssuers>> Create(const Config& config);

  bool empty() const { return issuers_.empty(); }
  // True when `iss` names a configured external issuer.
  bool Handles(const Jwt& jwt) const { return Find(jwt) != nullptr; }
  absl::StatusOr<ExternalIdentity> Verify(const Jwt& jwt, int64_t now, int64_t leeway) const;

 private:
  struct Issuer {
    const JwtIssuerConfig* config;
    std::vector<PublicKey> keys;
  };
  const Issuer* Find(const Jwt& jwt) const;

  std::vector<Issuer> issuers_;
};

}  // namespace bulwark::auth
