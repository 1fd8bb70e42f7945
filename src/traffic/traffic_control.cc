#include "traffic/traffic_control.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace bulwark::traffic {

TrafficControl::TrafficControl(Store* store, Metrics* metrics)
    : metrics_(metrics), usage_(std::make_unique<UsageLedger>(store)) {
  maps_.push_back(std::make_unique<const ProviderMap>());
  providers_.store(maps_.back().get());
}

TrafficControl::~TrafficControl() = default;

absl::StatusOr<std::unique_ptr<TrafficControl>> TrafficControl::Create(const Config& config,
                                                                       Store* store,
                                                                       Metrics* metrics) {
  std::unique_ptr<TrafficControl> t(new TrafficControl(store, metrics));
  if (absl::Status st = t->Reload(config); !st.ok()) return st;
  return t;
}

std::unique_ptr<ProviderTraffic> TrafficControl::NewProvider(const std::string& name) const {
  auto pt = std::make_unique<ProviderTraffic>(name);
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
  const ProviderMap* providers = providers_.load(std::memory_order_acquire);
  auto it = providers->find(name);
  return it == providers->end() ? nullptr : it->second;
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
  const ProviderMap* current = providers_.load(std::memory_order_relaxed);  // only we write
  std::unique_ptr<ProviderMap> grown;
  for (const ProviderConfig& p : config.providers) {
    if (current->count(p.name) != 0 || (grown && grown->count(p.name) != 0)) continue;
    if (!grown) grown = std::make_unique<ProviderMap>(*current);
    owned_.push_back(NewProvider(p.name));
    grown->emplace(p.name, owned_.back().get());
  }
  const ProviderMap& all = grown ? *grown : *current;
  for (const ProviderConfig& p : config.providers) {
    ProviderTraffic* pt = all.at(p.name);
    pt->rates.store(std::make_shared<const std::vector<RateRule>>(std::move(rates[p.name])));
    pt->breaker.Reconfigure({p.breaker_failures, p.breaker_cooldown});
    pt->budget.Reconfigure(p.retry_budget, p.retry_budget_min);
    pt->gate->Reconfigure({p.max_concurrent, p.queue_size,
                           std::chrono::duration_cast<std::chrono::milliseconds>(p.queue_timeout)});
  }
  if (grown) {
    maps_.push_back(std::move(grown));
    providers_.store(maps_.back().get(), std::memory_order_release);
  }
  tenants_.store(std::move(plan.tenants));
}

}  // namespace bulwark::traffic
