// File: rate_limit_stage.h
// Rate limits from the key's --rate flags, decided together by the RateLimiter (a denial
// charges nothing). Refusal: 429 rate_limited with Retry-After. The decision is kept in
// the context so the response carries RateLimit-Limit/-Remaining/-Reset.
#pragma once

#include "pipeline/context.h"
#include "ratelimit/limiter.h"

namespace bulwark {

class RateLimitStage final : public Stage {
 public:
  explicit RateLimitStage(RateLimiter& limiter) : limiter_(limiter) {}
  std::string_view name() const override { return "rate_limit"; }
  Result Run(RequestContext& ctx) override;

 private:
  RateLimiter& limiter_;
};

}  // namespace bulwark
