#include "traffic/breaker.h"

#include <string_view>

namespace bulwark::traffic {

std::string_view StateName(CircuitBreaker::State s) {
  switch (s) {
    case CircuitBreaker::State::kClosed:
      return "closed";
    case CircuitBreaker::State::kOpen:
      return "open";
    case CircuitBreaker::State::kHalfOpen:
      return "half_open";
  }
  return "closed";
}

void CircuitBreaker::OnTransition(std::function<void(State)> callback) {
  std::lock_guard<std::mutex> lock(mu_);
  on_transition_ = std::move(callback);
}

void CircuitBreaker::Reconfigure(Options options) {
  bool closed = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    options_ = options;
    if (options_.failure_threshold == 0 && state_ != State::kClosed) {
      state_ = State::kClosed;
      consecutive_failures_ = 0;
      probe_out_ = false;
      closed = true;
    }
  }
  if (closed) Notify(State::kClosed);
}

void CircuitBreaker::Notify(State s) {
  std::function<void(State)> cb;
  {
    std::lock_guard<std::mutex> lock(mu_);
    cb = on_transition_;
  }
  if (cb) cb(s);
}

CircuitBreaker::Admission CircuitBreaker::Admit(Clock::time_point now) {
  bool to_half_open = false;
  Admission result = Admission::kAllowed;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (state_ == State::kClosed) return Admission::kAllowed;
    if (state_ == State::kOpen) {
      if (now - opened_at_ < options_.cooldown) return Admission::kRefused;
      state_ = State::kHalfOpen;
      probe_out_ = false;
      to_half_open = true;
    }
    // Half open: one probe at a time; a lost probe is replaced after a cooldown.
    if (probe_out_ && now - probe_started_ < options_.cooldown) {
      result = Admission::kRefused;
    } else {
      probe_out_ = true;
      probe_started_ = now;
      result = Admission::kProbe;
    }
  }
  if (to_half_open) Notify(State::kHalfOpen);
  return result;
}

void CircuitBreaker::RecordSuccess() {
  bool closed = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    consecutive_failures_ = 0;
    if (state_ != State::kClosed) {
      state_ = State::kClosed;
      probe_out_ = false;
      closed = true;
    }
  }
  if (closed) Notify(State::kClosed);
}

void CircuitBreaker::RecordFailure(Clock::time_point now) {
  bool opened = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (options_.failure_threshold == 0) return;
    ++consecutive_failures_;
    if (state_ == State::kHalfOpen ||
        (state_ == State::kClosed && consecutive_failures_ >= options_.failure_threshold)) {
      state_ = State::kOpen;
      opened_at_ = now;
      probe_out_ = false;
      opened = true;
    }
  }
  if (opened) Notify(State::kOpen);
}

CircuitBreaker::State CircuitBreaker::state(Clock::time_point now) const {
  std::lock_guard<std::mutex> lock(mu_);
  if (state_ == State::kOpen && now - opened_at_ >= options_.cooldown) return State::kHalfOpen;
  return state_;
}

int64_t CircuitBreaker::RetryAfterSeconds(Clock::time_point now) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(opened_at_ + options_.cooldown - now);
  int64_t s = (left.count() + 999) / 1000;
  return s < 1 ? 1 : s;
}

}  // namespace bulwark::traffic
