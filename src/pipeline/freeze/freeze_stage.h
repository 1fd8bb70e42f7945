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
#pragma once

#include "pipeline/context.h"
#include "ratelimit/limiter.h"

namespace bulwark {

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
