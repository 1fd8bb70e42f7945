// File: breaker.h
// CircuitBreaker: one per provider. Closed, it lets every call through and counts
// consecutive failed vendor attempts (connection errors, time-outs, 5xx). After
// `failure_threshold` in a row it opens: calls are refused at once (503
// upstream_unavailable) for `cooldown`. Then it is half open: exactly one call, the probe,
// goes through; its success closes the breaker, its failure opens it for another cooldown.
// A probe that never reports (its request was cancelled) is replaced after one cooldown.
//
// Thread-safe (one mutex, held for a few comparisons). `failure_threshold` 0 disables it.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string_view>

namespace bulwark::traffic {

struct BreakerOptions {
  uint64_t failure_threshold = 10;  // 0 = never opens
  std::chrono::steady_clock::duration cooldown = std::chrono::seconds(10);
};

class CircuitBreaker {
 public:
  using Clock = std::chrono::steady_clock;
  enum class State { kClosed = 0, kOpen = 1, kHalfOpen = 2 };
  enum class Admission { kAllowed, kProbe, kRefused };

  using Options = BreakerOptions;

  explicit CircuitBreaker(Options options = {}) : options_(options) {}

  // Called when the state changes (under no lock), e.g. to export it as a metric.
  void OnTransition(std::function<void(State)> callback);
  void Reconfigure(Options options);

  // Before a vendor attempt. kProbe: this attempt is the half-open probe and must report.
  Admission Admit(Clock::time_point now);
  void RecordSuccess();
  void RecordFailure(Clock::time_point now);
  State state(Clock::time_point now) const;
  // Seconds until the next probe may go (for Retry-After), at least 1.
  int64_t RetryAfterSeconds(Clock::time_point now) const;

 private:
  void Notify(State s);

  mutable std::mutex mu_;
  Options options_;
  State state_ = State::kClosed;
  uint64_t consecutive_failures_ = 0;
  Clock::time_point opened_at_{};
  bool probe_out_ = false;
  Clock::time_point probe_started_{};
  std::function<void(State)> on_transition_;
};

std::string_view StateName(CircuitBreaker::State s);

}  // namespace bulwark::traffic
