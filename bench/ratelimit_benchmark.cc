// Benchmarks the in-process GCRA limiter: one Check() per request, deciding every limit
// that applies (1 = a per-key rate; 3 = per-key per-second, per-key per-day and a tenant
// limit). Rates are high enough that every call is admitted, i.e. the common path.
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "base/limit_rules.h"
#include "ratelimit/limiter.h"
#include "traffic/usage_ledger.h"

namespace {

using bulwark::LimitSpec;
using bulwark::Rate;

std::vector<LimitSpec> Limits(int n, int key_suffix) {
  std::vector<LimitSpec> limits;
  const std::string id = "key_" + std::to_string(key_suffix);
  limits.push_back({"key:" + id + ":1000000000/s", Rate{1'000'000'000, std::chrono::seconds(1)}});
  if (n >= 2)
    limits.push_back(
        {"key:" + id + ":1000000000000/d", Rate{1'000'000'000'000, std::chrono::seconds(86400)}});
  if (n >= 3)
    limits.push_back({"tenant:acme:1000000000/s", Rate{1'000'000'000, std::chrono::seconds(1)}});
  return limits;
}

std::unique_ptr<bulwark::RateLimiter>& Shared() {
  static std::unique_ptr<bulwark::RateLimiter> limiter = bulwark::NewMemoryRateLimiter();
  return limiter;
}

void BM_Check(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  // Each thread has its own key (as distinct clients would); all share one limiter.
  const std::vector<LimitSpec> limits = Limits(n, state.thread_index());
  bulwark::RateLimiter& limiter = *Shared();
  for (auto _ : state) {
    auto d = limiter.Check(limits, std::chrono::steady_clock::now());
    if (!d.allowed) {
      state.SkipWithError("denied");
      break;
    }
    benchmark::DoNotOptimize(d);
  }
}
BENCHMARK(BM_Check)->Arg(1)->Arg(3);
BENCHMARK(BM_Check)->Arg(1)->Arg(3)->Threads(2);

// Many distinct keys (a cold-ish map): 10,000 clients round-robin.
void BM_CheckManyKeys(benchmark::State& state) {
  auto limiter = bulwark::NewMemoryRateLimiter();
  std::vector<std::vector<LimitSpec>> all;
  all.reserve(10000);
  for (int i = 0; i < 10000; ++i) all.push_back(Limits(1, i));
  size_t i = 0;
  for (auto _ : state) {
    auto d = limiter->Check(all[i], std::chrono::steady_clock::now());
    benchmark::DoNotOptimize(d);
    if (++i == all.size()) i = 0;
  }
}
BENCHMARK(BM_CheckManyKeys);

// Issue 4: the three levels of one request as the rate-limit stage builds them: the key's
// own rate, the key's rate for this operation, and the provider's shared budget (one
// limit every client contends on). Specs are built per call, as the stage does.
void BM_CheckThreeLevels(benchmark::State& state) {
  bulwark::RateLimiter& limiter = *Shared();
  const std::string id = "key_" + std::to_string(state.thread_index());
  const Rate big{1'000'000'000, std::chrono::seconds(1)};
  for (auto _ : state) {
    std::vector<LimitSpec> limits;
    limits.reserve(3);
    limits.push_back({"k:" + id + ":1000000000/s", big});
    limits.push_back({"ko:" + id + ":video.generate=1000000000/s", big});
    limits.push_back({"p:heygen:1000000000/s", big});
    auto d = limiter.Check(limits, std::chrono::steady_clock::now());
    if (!d.allowed) {
      state.SkipWithError("denied");
      break;
    }
    benchmark::DoNotOptimize(d);
  }
}
BENCHMARK(BM_CheckThreeLevels);
BENCHMARK(BM_CheckThreeLevels)->Threads(2);

// The quota check that runs before the limiter: reserve a request (key and tenant, day and
// month) against a key quota and a tenant quota, then commit it.
void BM_QuotaReserveCommit(benchmark::State& state) {
  static bulwark::traffic::UsageLedger ledger(nullptr);
  static const std::vector<bulwark::QuotaRule> key_quotas = {
      *bulwark::ParseQuotaRule("1000000000000/d")};
  static const std::vector<bulwark::QuotaRule> tenant_quotas = {
      *bulwark::ParseQuotaRule("1000000000000/mo")};
  const std::string id = "key_" + std::to_string(state.thread_index());
  bulwark::traffic::UsageLedger::Subject subject{id, "acme", &key_quotas, &tenant_quotas};
  const bulwark::traffic::UnitAmounts cost = {{"requests", 1}};
  bulwark::traffic::UsageLedger::Refusal refusal;
  for (auto _ : state) {
    auto r = ledger.TryReserve(subject, cost, std::chrono::system_clock::now(), &refusal);
    if (r == nullptr) {
      state.SkipWithError("refused");
      break;
    }
    r->Commit();
  }
}
BENCHMARK(BM_QuotaReserveCommit);
BENCHMARK(BM_QuotaReserveCommit)->Threads(2);

}  // namespace
