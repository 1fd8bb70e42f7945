#include "pipeline/authn/authn_stage.h"

#include <ctime>

#include "crypto/keys.h"
#include "pipeline/authn/jwt_authn.h"

namespace bulwark {
namespace {

constexpr size_t kMaxCredential = 512;

// Every header carrying a credential, so two different credentials can be refused as
// ambiguous instead of silently picking one.
std::vector<std::string_view> Candidates(const RequestContext& ctx, bool* malformed) {
  std::vector<std::string_view> out;
  std::string_view vendor_header =
      ctx.route != nullptr ? ctx.route->profile->auth_header : std::string_view();
  for (const http::Header& h : ctx.request.head.headers) {
    if (http::EqualsIgnoreCase(h.name, "authorization")) {
      std::string_view v = h.value;
      if (v.size() > 7 && http::EqualsIgnoreCase(v.substr(0, 7), "bearer ")) {
        v.remove_prefix(7);
        while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
        out.push_back(v);
      } else {
        *malformed = true;
      }
    } else if (!vendor_header.empty() && http::EqualsIgnoreCase(h.name, vendor_header)) {
      out.push_back(h.value);
    }
  }
  return out;
}

}  // namespace

Stage::Result AuthnStage::Run(RequestContext& ctx) {
  bool malformed = false;
  std::vector<std::string_view> creds = Candidates(ctx, &malformed);
  if (malformed) {
    ctx.Reject(ApiError::kUnauthenticated, "authn.bad_scheme");
    return kStop;
  }
  if (creds.empty()) {
    ctx.Reject(ApiError::kUnauthenticated, "authn.missing");
    return kStop;
  }
  for (std::string_view c : creds) {
    if (c != creds.front()) {
      ctx.Reject(ApiError::kUnauthenticated, "authn.ambiguous");
      return kStop;
    }
  }
  std::string_view token = creds.front();
  if (jwt_ != nullptr && auth::LooksLikeJwt(token)) return jwt_->Authenticate(ctx, token);
  if (token.size() > kMaxCredential ||
      token.substr(0, kClientKeyPrefix.size()) != kClientKeyPrefix) {
    ctx.Reject(ApiError::kUnauthenticated, "authn.malformed");
    return kStop;
  }
  std::string hash = KeyedHash(key_hash_key_, token);
  auto it = ctx.snapshot->keys_by_hash.find(hash);
  if (it == ctx.snapshot->keys_by_hash.end()) {
    ctx.Reject(ApiError::kUnauthenticated, "authn.unknown_key");
    return kStop;
  }
  const KeyRecord& record = it->second->record;
  if (record.revoked_at != 0) {
    ctx.failed_key_id = record.id;
    ctx.Reject(ApiError::kUnauthenticated, "authn.revoked");
    return kStop;
  }
  int64_t now = std::time(nullptr);
  if (hash != record.secret_hash && record.previous_expires_at <= now) {
    ctx.failed_key_id = record.id;
    ctx.Reject(ApiError::kUnauthenticated, "authn.rotated");
    return kStop;
  }
  if (record.expires_at != 0 && record.expires_at <= now) {
    ctx.failed_key_id = record.id;
    ctx.Reject(ApiError::kUnauthenticated, "authn.expired");
    return kStop;
  }
  ctx.key = it->second;
  return kContinue;
}

}  // namespace bulwark
