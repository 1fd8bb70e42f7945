// File: rate_limit_stage.h
// Rate limits and quotas (issue 4; CONTRACT.md section 7 "rate limit and quota (429)").
//
// 1. Quotas first: the request's cost (1 request, plus the vendor's billing unit where the
//    profile declares one, e.g. HeyGen video seconds) is reserved against the key's
//    --quota rules and its tenant's [tenants.NAME] quota rules (traffic/usage_ledger.h).
//    Refusal: 429 quota_exceeded, Retry-After = seconds until the period ends. The
//    reservation rides in ctx.quota until the forwarder commits it (vendor accepted) or
//    the request ends without (released).
// 2. Rates: every applicable limit in one RateLimiter decision, so a denial charges none:
//      key         --rate N/PERIOD                 "k:<key>:<rate>"
//      operation   --rate OPERATION=N/PERIOD       "ko:<key>:<rule>"
//      provider    providers.NAME.rate (shared)    "p:<provider>:<rule>"
//    Refusal: 429 rate_limited with Retry-After. On success the decision (the tightest
//    limit) gives RateLimit-Limit/-Remaining/-Reset.
#pragma once

#include "pipeline/context.h"
#include "ratelimit/limiter.h"
#include "traffic/traffic_control.h"

namespace bulwark {

class RateLimitStage final : public Stage {
 public:
  // `traffic` may be null: then only the key's own rates apply (no provider limits, no
  // quotas).
  explicit RateLimitStage(RateLimiter& limiter, traffic::TrafficControl* traffic = nullptr)
      : limiter_(limiter), traffic_(traffic) {}
  std::string_view name() const override { return "rate_limit"; }
  Result Run(RequestContext& ctx) override;

 private:
  RateLimiter& limiter_;
  traffic::TrafficControl* traffic_;
};

}  // namespace bulwark
