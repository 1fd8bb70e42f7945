#include "pipeline/authn/jwt_authn.h"

#include <ctime>

#include <fmt/format.h>

#include "auth/scopes.h"
#include "auth/signing_keys.h"
#include "auth/token_endpoint.h"

namespace bulwark {

absl::StatusOr<std::unique_ptr<JwtAuthenticator>> JwtAuthenticator::Create(const Config& config) {
  std::unique_ptr<JwtAuthenticator> a(new JwtAuthenticator(config));
  auto external = auth::ExternalIssuers::Create(config);
  if (!external.ok()) return external.status();
  a->external_ = std::move(*external);
  for (const JwtIssuerConfig& c : config.jwt_issuers) {
    Limits limits;
    for (const std::string& cidr : c.allow_ips) {
      auto parsed = Cidr::Parse(cidr);
      if (!parsed.ok()) {
        return absl::InvalidArgumentError(fmt::format("auth.jwt.{}.allow_ips: {}", c.name,
                                                      std::string(parsed.status().message())));
      }
      limits.allow.push_back(*parsed);
    }
    for (const std::string& rate : c.rates) {
      auto parsed = ParseRate(rate);
      if (!parsed.ok()) {
        return absl::InvalidArgumentError(
            fmt::format("auth.jwt.{}.rates: {}", c.name, std::string(parsed.status().message())));
      }
      limits.rates.push_back(*parsed);
    }
    a->limits_.emplace(c.name, std::move(limits));
  }
  return a;
}

Stage::Result JwtAuthenticator::Authenticate(RequestContext& ctx, std::string_view token) const {
  auto jwt = auth::ParseJwt(token);
  if (!jwt.ok()) {
    ctx.Reject(ApiError::kUnauthenticated, std::string(jwt.status().message()));
    return Stage::kStop;
  }
  const int64_t now = std::time(nullptr);
  auto iss = jwt->claims.find("iss");
  if (iss != jwt->claims.end() && iss->is_string() &&
      iss->get_ref<const std::string&>() == config_.issuer) {
    return Own(ctx, *jwt, now);
  }
  return External(ctx, *jwt, now);
}

Stage::Result JwtAuthenticator::Own(RequestContext& ctx, const auth::Jwt& jwt, int64_t now) const {
  const auth::KeyRing* ring = ctx.snapshot->signing.get();
  absl::Status st =
      ring == nullptr ? absl::UnauthenticatedError("jwt.unknown_kid") : ring->Verify(jwt, now);
  if (st.ok()) {
    st = auth::CheckClaims(jwt, {config_.issuer, std::string(auth::kTokenAudience), now,
                                 static_cast<int64_t>(config_.leeway.count())});
  }
  if (!st.ok()) {
    ctx.Reject(ApiError::kUnauthenticated, std::string(st.message()));
    return Stage::kStop;
  }
  const std::string& sub = jwt.claims["sub"].get_ref<const std::string&>();
  auto it = ctx.snapshot->keys_by_id.find(sub);
  if (it == ctx.snapshot->keys_by_id.end()) {
    ctx.Reject(ApiError::kUnauthenticated, "authn.unknown_key");
    return Stage::kStop;
  }
  const KeyRecord& record = it->second->record;
  // The key's state now, not at issuance: revoking it refuses its tokens at once.
  if (record.revoked_at != 0 || (record.expires_at != 0 && record.expires_at <= now)) {
    ctx.failed_key_id = record.id;
    ctx.Reject(ApiError::kUnauthenticated,
               record.revoked_at != 0 ? "authn.revoked" : "authn.expired");
    return Stage::kStop;
  }
  auto entry = std::make_shared<KeyEntry>(*it->second);
  entry->record.scopes =
      auth::IntersectScopes(auth::ClaimStrings(jwt.claims, "scope"), record.scopes);
  ctx.key = std::move(entry);
  return Stage::kContinue;
}

Stage::Result JwtAuthenticator::External(RequestContext& ctx, const auth::Jwt& jwt,
                                         int64_t now) const {
  auto id = external_->Verify(jwt, now, static_cast<int64_t>(config_.leeway.count()));
  if (!id.ok()) {
    ctx.Reject(ApiError::kUnauthenticated, std::string(id.status().message()));
    return Stage::kStop;
  }
  auto entry = std::make_shared<KeyEntry>();
  entry->record.id = id->key_id;
  entry->record.name = id->issuer->name;
  entry->record.tenant = id->tenant;
  entry->record.scopes = std::move(id->scopes);
  entry->record.expires_at = id->expires_at;
  const Limits& limits = limits_.at(id->issuer->name);
  entry->allow = limits.allow;
  entry->rates = limits.rates;
  ctx.key = std::move(entry);
  return Stage::kContinue;
}

}  // namespace bulwark
