#include "traffic/traffic_control.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace bulwark::traffic {

TrafficControl::TrafficControl(Store* store, Metrics* metrics)
    : metrics_(metrics), usage_(std::make_unique<UsageLedger>(store)) {}

TrafficControl::~TrafficControl() = default;

absl::StatusOr<std::unique_ptr<TrafficControl>> TrafficControl::Create(const Config& config,
                                                                       Store* store,
                                                                       Metrics* metrics) {
  std::unique_ptr<TrafficControl> t(new TrafficControl(store, metrics));
  for (const ProviderConfig& p : config.providers) {
    auto pt = std::make_unique<ProviderTraffic>(p.name);
    if (metrics != nullptr) {
      std::string name = p.name;
      pt->breaker.OnTransition([metrics, name](CircuitBreaker::State s) {
        metrics->SetBreakerState(name, static_cast<int>(s));
        spdlog::warn("provider '{}': circuit breaker {}", name, StateName(s));
      });
      metrics->SetBreakerState(name, 0);
    }
    t->providers_.emplace(p.name, std::move(pt));
  }
  if (absl::Status st = t->Apply(config, /*initial=*/true); !st.ok()) return st;
  return t;
}

ProviderTraffic* TrafficControl::Provider(std::string_view name) const {
  auto it = providers_.find(name);
  return it == providers_.end() ? nullptr : it->second.get();
}

absl::Status TrafficControl::Reload(const Config& config) { return Apply(config, false); }

absl::Status TrafficControl::Apply(const Config& config, bool initial) {
  // Parse everything first so that an error changes nothing.
  std::map<std::string, std::vector<RateRule>> rates;
  for (const ProviderConfig& p : config.providers) {
    auto& rules = rates[p.name];
    for (const std::string& r : p.rate) {
      auto rule = ParseRateRule(r);
      if (!rule.ok()) {
        return absl::InvalidArgumentError(
            fmt::format("providers.{}.rate: {}", p.name, std::string(rule.status().message())));
      }
      rules.push_back(*rule);
    }
  }
  auto tenants = std::make_shared<TenantQuotas>();
  for (const auto& [tenant, quotas] : config.tenant_quotas) {
    auto& rules = (*tenants)[tenant];
    for (const std::string& q : quotas) {
      auto rule = ParseQuotaRule(q);
      if (!rule.ok()) {
        return absl::InvalidArgumentError(
            fmt::format("tenants.{}.quota: {}", tenant, std::string(rule.status().message())));
      }
      rules.push_back(*rule);
    }
  }
  std::vector<std::string> need_restart;
  for (const ProviderConfig& p : config.providers) {
    ProviderTraffic* pt = Provider(p.name);
    if (pt == nullptr) {
      need_restart.push_back(p.name);
      continue;
    }
    pt->rates.store(std::make_shared<const std::vector<RateRule>>(std::move(rates[p.name])));
    pt->breaker.Reconfigure({p.breaker_failures, p.breaker_cooldown});
    pt->budget.Reconfigure(p.retry_budget, p.retry_budget_min);
    pt->gate->Reconfigure({p.max_concurrent, p.queue_size,
                           std::chrono::duration_cast<std::chrono::milliseconds>(p.queue_timeout)});
  }
  tenants_.store(std::move(tenants));
  if (!initial && !need_restart.empty()) {
    std::string names;
    for (const std::string& n : need_restart) names += (names.empty() ? "" : ", ") + n;
    return absl::FailedPreconditionError(
        fmt::format("new providers need a restart to be served: {}", names));
  }
  return absl::OkStatus();
}

}  // namespace bulwark::traffic
