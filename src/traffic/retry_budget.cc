#include "traffic/retry_budget.h"

namespace bulwark::traffic {

void RetryBudget::Reconfigure(double ratio, uint64_t min_per_second) {
  std::lock_guard<std::mutex> lock(mu_);
  ratio_ = ratio;
  min_per_second_ = min_per_second;
}

RetryBudget::Bucket& RetryBudget::Current(Clock::time_point now) {
  int64_t second = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  Bucket& b = buckets_[static_cast<size_t>(second % kWindowSeconds)];
  if (b.second != second) b = Bucket{second, 0, 0};
  return b;
}

void RetryBudget::RecordRequest(Clock::time_point now) {
  std::lock_guard<std::mutex> lock(mu_);
  ++Current(now).requests;
}

bool RetryBudget::TryRetry(Clock::time_point now) {
  std::lock_guard<std::mutex> lock(mu_);
  Bucket& current = Current(now);
  int64_t oldest = current.second - kWindowSeconds + 1;
  uint64_t requests = 0, retries = 0;
  for (const Bucket& b : buckets_) {
    if (b.second >= oldest) {
      requests += b.requests;
      retries += b.retries;
    }
  }
  double allowed = ratio_ * static_cast<double>(requests) +
                   static_cast<double>(min_per_second_ * kWindowSeconds);
  if (static_cast<double>(retries + 1) > allowed) return false;
  ++current.retries;
  return true;
}

}  // namespace bulwark::traffic
