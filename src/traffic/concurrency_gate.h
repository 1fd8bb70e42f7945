// File: concurrency_gate.h
// ConcurrencyGate: at most `limit` vendor calls of one provider in flight across every
// worker (HeyGen caps concurrent video jobs per plan). Calls beyond it wait in a FIFO
// queue of at most `queue_size`, each for at most `queue_timeout`; a full queue or a
// wait that times out is refused (the caller answers 503 upstream_unavailable).
//
// Waiting never blocks an event loop: a waiter is a coroutine suspended on an asio timer
// of its own worker; Release() on any thread hands the slot to the oldest waiter and posts
// the wake-up to that waiter's executor. Thread-safe; `limit` 0 disables the gate.
//
//   auto permit = co_await gate->Acquire();
//   if (!permit.ok()) refuse(permit.outcome);  // the permit releases the slot when destroyed
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <utility>  // std::exchange, used by asio/awaitable.hpp
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

namespace bulwark::traffic {

class ConcurrencyGate : public std::enable_shared_from_this<ConcurrencyGate> {
 public:
  struct Options {
    uint64_t limit = 0;  // 0 = unlimited
    uint64_t queue_size = 100;
    std::chrono::milliseconds queue_timeout{30000};
  };
  enum class Outcome { kAcquired, kQueueFull, kTimedOut };

  class Permit {
   public:
    Permit() = default;
    Permit(std::shared_ptr<ConcurrencyGate> gate, Outcome outcome)
        : gate_(std::move(gate)), outcome_(outcome) {}
    Permit(Permit&& other) noexcept : gate_(std::move(other.gate_)), outcome_(other.outcome_) {}
    Permit& operator=(Permit&& other) noexcept;
    Permit(const Permit&) = delete;
    Permit& operator=(const Permit&) = delete;
    ~Permit();
    bool ok() const { return outcome_ == Outcome::kAcquired; }
    Outcome outcome() const { return outcome_; }

   private:
    std::shared_ptr<ConcurrencyGate> gate_;  // set only when a slot is held
    Outcome outcome_ = Outcome::kAcquired;
  };

  static std::shared_ptr<ConcurrencyGate> Create(Options options) {
    return std::shared_ptr<ConcurrencyGate>(new ConcurrencyGate(options));
  }

  void Reconfigure(Options options);
  boost::asio::awaitable<Permit> Acquire();

  uint64_t in_flight() const;
  uint64_t queued() const;

 private:
  explicit ConcurrencyGate(Options options) : options_(options) {}
  struct Waiter;
  void Release();
  void GrantLocked(std::vector<std::shared_ptr<Waiter>>* woken);

  mutable std::mutex mu_;
  Options options_;
  uint64_t in_flight_ = 0;
  std::deque<std::shared_ptr<Waiter>> queue_;
};

}  // namespace bulwark::traffic
