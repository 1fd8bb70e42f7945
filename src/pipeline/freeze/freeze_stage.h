// File: freeze_stage.h
// Incident response on the data plane (issue 7): suspensions and freezes written by
// `bulwark incident freeze`, the admin API or an automatic anomaly response, read from the
// access snapshot (so every node applies them within a poll interval, no store access on
// the hot path).
//
//   FreezeStage   right after authentication (CONTRACT.md section 7): a frozen gateway
//                 (`--all`) or tenant answers 503 `frozen`; a suspended key 403
//                 `key_suspended`. Nothing is forwarded.
//   ThrottleStage right after rate limiting: a key under a "throttle" response gets one
//                 more GCRA limit, the safe rate stored with it (429 `rate_limited`).
//
// CheckFrozen is the one freeze/suspension test: the stage and the OAuth2 token endpoint
// (no new tokens for a suspended key or a frozen tenant) both call it.
#pragma once

#include <string_view>

#include "pipeline/context.h"
#include "pipeline/snapshot.h"
#include "ratelimit/limiter.h"

namespace bulwark {

// Whether a request (by `key`, nullptr when not authenticated) is refused by an incident
// response, and why. Throttled keys are not frozen (ThrottleStage limits them).
enum class FreezeDecision {
  kNone,
  kFrozenAll,     // `incident freeze --all`: 503 frozen
  kFrozenTenant,  // the key's tenant is frozen: 503 frozen
  kKeySuspended,  // the key is suspended (any mode but "throttle", so an unknown mode from
                  // a newer writer fails closed): 403 key_suspended
};

// Reads only the snapshot: no I/O, no allocation. A frozen gateway wins over the rest.
FreezeDecision CheckFrozen(const AccessSnapshot& snapshot, const KeyRecord* key);

class FreezeStage final : public Stage {
 public:
  std::string_view name() const override { return "freeze"; }
  Result Run(RequestContext& ctx) override;
};

class ThrottleStage final : public Stage {
 public:
  explicit ThrottleStage(RateLimiter& limiter) : limiter_(limiter) {}
  std::string_view name() const override { return "throttle"; }
  Result Run(RequestContext& ctx) override;

 private:
  RateLimiter& limiter_;
};

}  // namespace bulwark
