#include "pipeline/ratelimit/rate_limit_stage.h"

#include <fmt/format.h>

#include "traffic/billing.h"

namespace bulwark {
namespace {

// Which level a limit belongs to, from its key prefix (for reasons and metrics).
std::string_view Level(const LimitSpec& spec) {
  if (spec.key.rfind("ko:", 0) == 0) return "operation";
  if (spec.key.rfind("p:", 0) == 0) return "provider";
  return "key";
}

}  // namespace

Stage::Result RateLimitStage::Run(RequestContext& ctx) {
  const KeyEntry& key = *ctx.key;
  std::string_view provider = ctx.route ? std::string_view(ctx.route->name) : "";
  traffic::ProviderTraffic* pt = traffic_ ? traffic_->Provider(provider) : nullptr;
  ctx.traffic = pt;

  if (traffic_ != nullptr) {
    std::string_view unit = ctx.operation ? ctx.operation->billing_unit : std::string_view();
    std::string_view profile = ctx.route ? ctx.route->profile->name : std::string_view();
    traffic::UnitAmounts cost =
        traffic::EstimateCost(profile, ctx.operation_name, unit, ctx.request.body);
    auto tenants = traffic_->tenant_quotas();
    auto tenant = tenants->find(key.record.tenant);
    traffic::UsageLedger::Subject subject{key.record.id, key.record.tenant, &key.quotas,
                                          tenant == tenants->end() ? nullptr : &tenant->second};
    traffic::UsageLedger::Refusal refusal;
    auto reservation =
        traffic_->usage().TryReserve(subject, cost, std::chrono::system_clock::now(), &refusal);
    if (reservation == nullptr) {
      ctx.retry_after = refusal.retry_after_seconds;
      ctx.error_detail = fmt::format("{} quota {}", refusal.scope, refusal.rule.ToString());
      ctx.Reject(ApiError::kQuotaExceeded,
                 refusal.scope == "tenant" ? "quota.tenant" : "quota.key");
      if (Metrics* m = traffic_->metrics()) m->RecordLimitRefusal("quota");
      return kStop;
    }
    ctx.quota = std::move(reservation);
  }

  std::vector<LimitSpec> specs;
  specs.reserve(key.rates.size() + key.op_rates.size() + 2);
  for (const Rate& r : key.rates) {
    specs.push_back({fmt::format("k:{}:{}", key.record.id, r.ToString()), r});
  }
  for (const RateRule& rule : key.op_rates) {
    if (rule.Matches(provider, ctx.operation_name)) {
      specs.push_back({fmt::format("ko:{}:{}", key.record.id, rule.ToString()), rule.rate});
    }
  }
  std::shared_ptr<const std::vector<RateRule>> provider_rules;
  if (pt != nullptr) {
    provider_rules = pt->rates.load();
    for (const RateRule& rule : *provider_rules) {
      if (rule.Matches(provider, ctx.operation_name)) {
        specs.push_back({fmt::format("p:{}:{}", provider, rule.ToString()), rule.rate});
      }
    }
  }
  ctx.limits = limiter_.Check(specs, std::chrono::steady_clock::now());
  if (ctx.limits.allowed) return kContinue;
  std::string_view level =
      ctx.limits.denied_index >= 0 && static_cast<size_t>(ctx.limits.denied_index) < specs.size()
          ? Level(specs[static_cast<size_t>(ctx.limits.denied_index)])
          : "key";
  ctx.retry_after = ctx.limits.retry_after_seconds;
  ctx.Reject(ApiError::kRateLimited, level == "operation"  ? "ratelimit.operation"
                                     : level == "provider" ? "ratelimit.provider"
                                                           : "ratelimit.key");
  if (traffic_ != nullptr && traffic_->metrics() != nullptr) {
    traffic_->metrics()->RecordLimitRefusal(level);
  }
  ctx.quota.reset();  // refused: release the quota reservation
  return kStop;
}

}  // namespace bulwark
