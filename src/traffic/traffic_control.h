// File: traffic_control.h
// TrafficControl: the traffic-protection state of one gateway process, built from the
// config and swapped in place on SIGHUP (Reload), so limits change without a restart and
// without dropping a request.
//
// Per provider (ProviderTraffic, one object for the process's life): its shared rate
// rules, a circuit breaker, a retry budget and a concurrency gate. Per tenant: its quota
// rules. Plus the UsageLedger that counts usage for quotas. Requests read the current
// rules through atomically swapped shared_ptrs, so a reload never tears a decision. A
// provider added by a reload gets its state then; a provider removed keeps its object (a
// request still routed to it finishes under it), so a Provider() pointer never dangles.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "base/limit_rules.h"
#include "config/config.h"
#include "observability/metrics.h"
#include "storage/store.h"
#include "traffic/breaker.h"
#include "traffic/concurrency_gate.h"
#include "traffic/retry_budget.h"
#include "traffic/usage_ledger.h"

namespace bulwark::traffic {

struct ProviderTraffic {
  explicit ProviderTraffic(std::string n) : name(std::move(n)) {}
  const std::string name;
  CircuitBreaker breaker;
  RetryBudget budget;
  std::shared_ptr<ConcurrencyGate> gate = ConcurrencyGate::Create({});
  std::atomic<std::shared_ptr<const std::vector<RateRule>>> rates{
      std::make_shared<const std::vector<RateRule>>()};
};

using TenantQuotas = std::map<std::string, std::vector<QuotaRule>, std::less<>>;

class TrafficControl {
 public:
  // `store` may be null (usage is then not persisted). `metrics` may be null.
  static absl::StatusOr<std::unique_ptr<TrafficControl>> Create(const Config& config, Store* store,
                                                                Metrics* metrics);
  ~TrafficControl();

  // Applies the traffic settings of `config` (provider rates, concurrency, budget,
  // breaker; tenant quotas), creating the state of providers new in `config`. Nothing is
  // half applied on error (kInvalidArgument naming the key). Not concurrent with itself
  // (SIGHUP is handled on one thread); concurrent with Provider() and the request path.
  absl::Status Reload(const Config& config);

  // Reload in two steps, for a caller that validates several parts before applying any:
  // Prepare parses and checks `config`'s traffic settings without changing anything;
  // Apply (which cannot fail) makes them current. `config` must be the one prepared.
  struct Plan {
    std::map<std::string, std::vector<RateRule>> rates;  // provider -> its rate rules
    std::shared_ptr<const TenantQuotas> tenants;
  };
  static absl::StatusOr<Plan> Prepare(const Config& config);
  void Apply(const Config& config, Plan plan);

  // nullptr for a provider never configured. The pointer lives as long as this object.
  ProviderTraffic* Provider(std::string_view name) const;
  std::shared_ptr<const TenantQuotas> tenant_quotas() const { return tenants_.load(); }
  UsageLedger& usage() { return *usage_; }
  Metrics* metrics() const { return metrics_; }

 private:
  TrafficControl(Store* store, Metrics* metrics);
  using ProviderMap = std::map<std::string, ProviderTraffic*, std::less<>>;
  std::unique_ptr<ProviderTraffic> NewProvider(const std::string& name) const;

  Metrics* metrics_;
  // Provider() is on the request path: one acquire load of a plain pointer, no reference
  // count. That is safe because nothing here is ever freed before this object: every
  // provider's state and every map once published (a reload adding providers publishes
  // a grown copy) are kept. Written only by Apply.
  std::vector<std::unique_ptr<ProviderTraffic>> owned_;
  std::vector<std::unique_ptr<const ProviderMap>> maps_;
  std::atomic<const ProviderMap*> providers_;
  std::atomic<std::shared_ptr<const TenantQuotas>> tenants_{std::make_shared<const TenantQuotas>()};
  std::unique_ptr<UsageLedger> usage_;
};

}  // namespace bulwark::traffic
