#include "pipeline/freeze/freeze_stage.h"

#include "base/units.h"

namespace bulwark {

Stage::Result FreezeStage::Run(RequestContext& ctx) {
  const AccessSnapshot& snap = *ctx.snapshot;
  if (snap.frozen_all) {
    ctx.Reject(ApiError::kFrozen, "incident.frozen_all");
    return kStop;
  }
  if (!ctx.key) return kContinue;  // authentication runs first and stops without a key
  if (!snap.frozen_tenants.empty() && snap.frozen_tenants.count(ctx.key->record.tenant) != 0) {
    ctx.Reject(ApiError::kFrozen, "incident.frozen_tenant");
    return kStop;
  }
  auto it = snap.key_suspensions.find(ctx.key->record.id);
  if (it != snap.key_suspensions.end() && it->second.mode != "throttle") {
    // Any mode but "throttle" refuses: an unknown mode from a newer writer fails closed.
    ctx.Reject(ApiError::kKeySuspended, "incident.key_suspended");
    return kStop;
  }
  return kContinue;
}

Stage::Result ThrottleStage::Run(RequestContext& ctx) {
  if (!ctx.key || ctx.snapshot->key_suspensions.empty()) return kContinue;
  auto it = ctx.snapshot->key_suspensions.find(ctx.key->record.id);
  if (it == ctx.snapshot->key_suspensions.end() || it->second.mode != "throttle") {
    return kContinue;
  }
  auto rate = ParseRate(it->second.rate);
  if (!rate.ok()) {
    // A throttle whose rate cannot be read refuses rather than letting the key run free.
    ctx.Reject(ApiError::kKeySuspended, "incident.bad_throttle");
    return kStop;
  }
  LimitSpec spec{"throttle:" + ctx.key->record.id, *rate};
  LimitDecision d =
      limiter_.Check(std::span<const LimitSpec>(&spec, 1), std::chrono::steady_clock::now());
  if (!d.allowed) {
    ctx.retry_after = d.retry_after_seconds;
    ctx.Reject(ApiError::kRateLimited, "incident.throttled");
    return kStop;
  }
  return kContinue;
}

}  // namespace bulwark
