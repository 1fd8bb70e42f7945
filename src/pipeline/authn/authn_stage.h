// File: authn_stage.h
// Authentication: a bulwark key in `Authorization: Bearer <key>` or in the vendor's own
// auth header (X-Api-Key for HeyGen, X-API-KEY for Writesonic), so vendor SDKs work by
// changing only their base URL. The key is looked up by its keyed hash; revoked and
// expired keys, malformed or ambiguous credentials all get 401 unauthenticated.
#pragma once

#include "base/key_format.h"
#include "base/secret.h"
#include "pipeline/context.h"

namespace bulwark {

class JwtAuthenticator;

class AuthnStage final : public Stage {
 public:
  // `jwt` (optional, not owned) accepts bearer JWTs (pipeline/authn/jwt_authn.h).
  explicit AuthnStage(Secret key_hash_key, const JwtAuthenticator* jwt = nullptr)
      : key_hash_key_(std::move(key_hash_key)), jwt_(jwt) {}
  std::string_view name() const override { return "authn"; }
  Result Run(RequestContext& ctx) override;

 private:
  Secret key_hash_key_;
  const JwtAuthenticator* jwt_ = nullptr;
};

}  // namespace bulwark
