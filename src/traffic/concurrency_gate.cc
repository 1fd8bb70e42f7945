#include "traffic/concurrency_gate.h"

#include <vector>

#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace bulwark::traffic {

namespace asio = boost::asio;

struct ConcurrencyGate::Waiter {
  explicit Waiter(const asio::any_io_executor& e) : timer(e) {}
  asio::steady_timer timer;  // touched only on its own executor
  bool granted = false;      // guarded by the gate's mu_
};

ConcurrencyGate::Permit& ConcurrencyGate::Permit::operator=(Permit&& other) noexcept {
  if (this != &other) {
    if (gate_) gate_->Release();
    gate_ = std::move(other.gate_);
    outcome_ = other.outcome_;
  }
  return *this;
}

ConcurrencyGate::Permit::~Permit() {
  if (gate_) gate_->Release();
}

void ConcurrencyGate::Reconfigure(Options options) {
  std::vector<std::shared_ptr<Waiter>> woken;
  {
    std::lock_guard<std::mutex> lock(mu_);
    options_ = options;
    GrantLocked(&woken);
  }
  for (auto& w : woken) {
    asio::post(w->timer.get_executor(), [w] { w->timer.cancel(); });
  }
}

void ConcurrencyGate::GrantLocked(std::vector<std::shared_ptr<Waiter>>* woken) {
  while (!queue_.empty() && (options_.limit == 0 || in_flight_ < options_.limit)) {
    std::shared_ptr<Waiter> w = std::move(queue_.front());
    queue_.pop_front();
    w->granted = true;
    ++in_flight_;
    woken->push_back(std::move(w));
  }
}

void ConcurrencyGate::Release() {
  std::vector<std::shared_ptr<Waiter>> woken;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (in_flight_ > 0) --in_flight_;
    GrantLocked(&woken);
  }
  for (auto& w : woken) {
    asio::post(w->timer.get_executor(), [w] { w->timer.cancel(); });
  }
}

asio::awaitable<ConcurrencyGate::Permit> ConcurrencyGate::Acquire() {
  std::shared_ptr<Waiter> waiter;
  std::chrono::milliseconds timeout;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (options_.limit == 0 || (in_flight_ < options_.limit && queue_.empty())) {
      ++in_flight_;
      co_return Permit(shared_from_this(), Outcome::kAcquired);
    }
    if (queue_.size() >= options_.queue_size) co_return Permit(nullptr, Outcome::kQueueFull);
    waiter = std::make_shared<Waiter>(co_await asio::this_coro::executor);
    timeout = options_.queue_timeout;
    queue_.push_back(waiter);
  }
  waiter->timer.expires_after(timeout);
  boost::system::error_code ec;
  co_await waiter->timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (waiter->granted) co_return Permit(shared_from_this(), Outcome::kAcquired);
    for (auto it = queue_.begin(); it != queue_.end(); ++it) {
      if (*it == waiter) {
        queue_.erase(it);
        break;
      }
    }
  }
  co_return Permit(nullptr, Outcome::kTimedOut);
}

uint64_t ConcurrencyGate::in_flight() const {
  std::lock_guard<std::mutex> lock(mu_);
  return in_flight_;
}

uint64_t ConcurrencyGate::queued() const {
  std::lock_guard<std::mutex> lock(mu_);
  return queue_.size();
}

}  // namespace bulwark::traffic
