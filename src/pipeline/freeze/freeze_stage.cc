#include "pipeline/freeze/freeze_stage.h"

#include "base/units.h"

namespace bulwark {

FreezeDecision CheckFrozen(const AccessSnapshot& snapshot, const KeyRecord* key) {
  if (snapshot.frozen_all) return FreezeDecision::kFrozenAll;
  if (key == nullptr) return FreezeDecision::kNone;
  if (!snapshot.frozen_tenants.empty() && snapshot.frozen_tenants.count(key->tenant) != 0) {
    return FreezeDecision::kFrozenTenant;
  }
  if (snapshot.key_suspensions.empty()) return FreezeDecision::kNone;
  auto it = snapshot.key_suspensions.find(key->id);
  if (it != snapshot.key_suspensions.end() && it->second.mode != "throttle") {
    return FreezeDecision::kKeySuspended;
  }
  return FreezeDecision::kNone;
}

Stage::Result FreezeStage::Run(RequestContext& ctx) {
  // Authentication runs first and stops without a key; a frozen gateway refuses anyway.
  switch (CheckFrozen(*ctx.snapshot, ctx.key ? &ctx.key->record : nullptr)) {
    case FreezeDecision::kNone:
      return kContinue;
    case FreezeDecision::kFrozenAll:
      ctx.Reject(ApiError::kFrozen, "incident.frozen_all");
      return kStop;
    case FreezeDecision::kFrozenTenant:
      ctx.Reject(ApiError::kFrozen, "incident.frozen_tenant");
      return kStop;
    case FreezeDecision::kKeySuspended:
      ctx.Reject(ApiError::kKeySuspended, "incident.key_suspended");
      return kStop;
  }
  return kStop;  // unreachable: every decision is handled above
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
