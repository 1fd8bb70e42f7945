#include <mutex>
#include <unordered_map>
#include <vector>

#include "ratelimit/limiter.h"

namespace bulwark {
namespace {

using Clock = std::chrono::steady_clock;
using Nanos = std::chrono::nanoseconds;

int64_t CeilSeconds(Nanos d) {
  if (d.count() <= 0) return 0;
  return (d.count() + 999'999'999) / 1'000'000'000;
}

class MemoryRateLimiter final : public RateLimiter {
 public:
  LimitDecision Check(std::span<const LimitSpec> limits, Clock::time_point now) override {
    return Decide(limits, now, /*charge=*/true);
  }

  LimitDecision Peek(std::span<const LimitSpec> limits, Clock::time_point now) override {
    return Decide(limits, now, /*charge=*/false);
  }

  absl::Status Ping() override { return absl::OkStatus(); }

 private:
  LimitDecision Decide(std::span<const LimitSpec> limits, Clock::time_point now, bool charge) {
    LimitDecision d;
    if (limits.empty()) return d;
    d.any_limit = true;
    std::lock_guard<std::mutex> lock(mu_);
    struct Pending {
      Clock::time_point* tat;
      Clock::time_point new_tat;
    };
    std::vector<Pending> pending;
    pending.reserve(limits.size());
    int64_t best_remaining = INT64_MAX;
    for (size_t i = 0; i < limits.size(); ++i) {
      const LimitSpec& spec = limits[i];
      Nanos interval = std::chrono::duration_cast<Nanos>(spec.rate.period) /
                       static_cast<int64_t>(spec.rate.count);
      Nanos burst = interval * static_cast<int64_t>(spec.rate.count);
      // A peek never creates an entry: an unknown key is a full bucket.
      Clock::time_point* tat = nullptr;
      Clock::time_point current{};
      if (charge) {
        tat = &tat_[spec.key];
        current = *tat;
      } else if (auto it = tat_.find(spec.key); it != tat_.end()) {
        current = it->second;
      }
      Clock::time_point base = std::max(current, now);
      Clock::time_point new_tat = base + interval;
      Nanos ahead = new_tat - now;
      if (ahead > burst) {
        d.allowed = false;
        d.denied_index = static_cast<int>(i);
        d.limit = static_cast<int64_t>(spec.rate.count);
        d.remaining = 0;
        d.retry_after_seconds = std::max<int64_t>(1, CeilSeconds(ahead - burst));
        d.reset_seconds = CeilSeconds(base - now);
        return d;  // nothing charged
      }
      int64_t remaining = (burst - ahead) / interval;
      if (remaining < best_remaining) {
        best_remaining = remaining;
        d.limit = static_cast<int64_t>(spec.rate.count);
        d.remaining = remaining;
        d.reset_seconds = CeilSeconds(ahead);
      }
      if (charge) pending.push_back({tat, new_tat});
    }
    if (!charge) return d;
    for (const Pending& p : pending) *p.tat = p.new_tat;
    if (tat_.size() > kSweepAt) Sweep(now);
    return d;
  }

  static constexpr size_t kSweepAt = 100000;
  // Entries whose TAT is in the past carry no state (a fresh entry behaves the same).
  void Sweep(Clock::time_point now) {
    for (auto it = tat_.begin(); it != tat_.end();) {
      it = it->second <= now ? tat_.erase(it) : std::next(it);
    }
  }

  std::mutex mu_;
  std::unordered_map<std::string, Clock::time_point> tat_;
};

}  // namespace

std::unique_ptr<RateLimiter> NewMemoryRateLimiter() {
  return std::make_unique<MemoryRateLimiter>();
}

}  // namespace bulwark
