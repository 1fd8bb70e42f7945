#include "pipeline/ratelimit/rate_limit_stage.h"

#include <fmt/format.h>

namespace bulwark {

Stage::Result RateLimitStage::Run(RequestContext& ctx) {
  std::vector<LimitSpec> specs;
  specs.reserve(ctx.key->rates.size());
  for (const Rate& r : ctx.key->rates) {
    specs.push_back({fmt::format("key:{}:{}", ctx.key->record.id, r.ToString()), r});
  }
  ctx.limits = limiter_.Check(specs, std::chrono::steady_clock::now());
  if (ctx.limits.allowed) return kContinue;
  ctx.retry_after = ctx.limits.retry_after_seconds;
  ctx.Reject(ApiError::kRateLimited, "ratelimit.key");
  return kStop;
}

}  // namespace bulwark
