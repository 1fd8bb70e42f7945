// File: retry_budget.h
// RetryBudget: caps a provider's retries at a share of its traffic, so that a struggling
// vendor is not hit with three times the load just when it can least take it (the retry
// storm). Over a sliding window of 10 one-second buckets, a retry is allowed while
//
//   retries_in_window + 1 <= ratio * requests_in_window + min_per_second * 10
//
// i.e. retries may add at most `ratio` (default 20%) to the traffic, plus a floor of a
// few per second so that a quiet provider can still retry. Thread-safe (one mutex).
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <mutex>

namespace bulwark::traffic {

class RetryBudget {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr int kWindowSeconds = 10;

  RetryBudget(double ratio = 0.2, uint64_t min_per_second = 3)
      : ratio_(ratio), min_per_second_(min_per_second) {}

  void Reconfigure(double ratio, uint64_t min_per_second);
  // A first attempt (not a retry).
  void RecordRequest(Clock::time_point now);
  // True (and the retry is counted) when the budget allows one more retry.
  bool TryRetry(Clock::time_point now);

 private:
  struct Bucket {
    int64_t second = -1;
    uint64_t requests = 0;
    uint64_t retries = 0;
  };
  Bucket& Current(Clock::time_point now);

  std::mutex mu_;
  double ratio_;
  uint64_t min_per_second_;
  std::array<Bucket, kWindowSeconds> buckets_{};
};

}  // namespace bulwark::traffic
