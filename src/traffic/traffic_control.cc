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
  if (absl::Status st = t->Reload(config); !st.ok()) return st;
  return t;
}

std::shared_ptr<ProviderTraffic> TrafficControl::NewProvider(const std::string& name) const {
  auto pt = std::make_shared<ProviderTraffic>(name);
  if (metrics_ != nullptr) {
    Metrics* metrics = metrics_;
    pt->breaker.OnTransition([metrics, name](CircuitBreaker::State s) {
      metrics->SetBreakerState(name, static_cast<int>(s));
      spdlog::warn("provider '{}': circuit breaker {}", name, StateName(s));
    });
    metrics->SetBreakerState(name, 0);
  }
  return pt;
}

ProviderTraffic* TrafficControl::Provider(std::string_view name) const {
  std::shared_ptr<const ProviderMap> providers = providers_.load();
  auto it = providers->find(name);
  return it == providers->end() ? nullptr : it->second.get();
}

absl::Status TrafficControl::Reload(const Config& config) {
  auto plan = Prepare(config);
  if (!plan.ok()) return plan.status();
  Apply(config, std::move(*plan));
  return absl::OkStatus();
}

absl::StatusOr<TrafficControl::Plan> TrafficControl::Prepare(const Config& config) {
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
  return Plan{std::move(rates), std::move(tenants)};
}

void TrafficControl::Apply(const Config& config, Plan plan) {
  std::map<std::string, std::vector<RateRule>>& rates = plan.rates;
  // Providers new in `config` get their state (published before any route can reach
  // them: the gateway swaps its routes after this returns).
  std::shared_ptr<const ProviderMap> current = providers_.load();
  std::shared_ptr<ProviderMap> grown;
  for (const ProviderConfig& p : config.providers) {
    if (current->count(p.name) != 0 || (grown && grown->count(p.name) != 0)) continue;
    if (!grown) grown = std::make_shared<ProviderMap>(*current);
    grown->emplace(p.name, NewProvider(p.name));
  }
  const ProviderMap& all = grown ? *grown : *current;
  for (const ProviderConfig& p : config.providers) {
    ProviderTraffic* pt = all.at(p.name).get();
    pt->rates.store(std::make_shared<const std::vector<RateRule>>(std::move(rates[p.name])));
    pt->breaker.Reconfigure({p.breaker_failures, p.breaker_cooldown});
    pt->budget.Reconfigure(p.retry_budget, p.retry_budget_min);
    pt->gate->Reconfigure({p.max_concurrent, p.queue_size,
                           std::chrono::duration_cast<std::chrono::milliseconds>(p.queue_timeout)});
  }
  if (grown) providers_.store(std::shared_ptr<const ProviderMap>(std::move(grown)));
  tenants_.store(std::move(plan.tenants));
}

}  // namespace bulwark::traffic
