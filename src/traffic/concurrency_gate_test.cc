#include "traffic/concurrency_gate.h"

#include <optional>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <gtest/gtest.h>

namespace bulwark::traffic {
namespace {

namespace asio = boost::asio;
using std::chrono::milliseconds;
using Outcome = ConcurrencyGate::Outcome;

// Acquires and holds the permit for `hold`, recording the outcome.
asio::awaitable<void> Hold(std::shared_ptr<ConcurrencyGate> gate, milliseconds hold,
                           std::vector<Outcome>* outcomes) {
  ConcurrencyGate::Permit permit = co_await gate->Acquire();
  outcomes->push_back(permit.outcome());
  if (!permit.ok()) co_return;
  asio::steady_timer t(co_await asio::this_coro::executor);
  t.expires_after(hold);
  co_await t.async_wait(asio::use_awaitable);
}

TEST(ConcurrencyGate, QueuedCallRunsWhenASlotFrees) {
  asio::io_context io;
  auto gate = ConcurrencyGate::Create({1, 10, milliseconds(1000)});
  std::vector<Outcome> outcomes;
  auto start = std::chrono::steady_clock::now();
  asio::co_spawn(io, Hold(gate, milliseconds(100), &outcomes), asio::detached);
  asio::co_spawn(io, Hold(gate, milliseconds(0), &outcomes), asio::detached);
  io.run();
  EXPECT_EQ(outcomes, (std::vector<Outcome>{Outcome::kAcquired, Outcome::kAcquired}));
  EXPECT_GE(std::chrono::steady_clock::now() - start, milliseconds(100));
  EXPECT_EQ(gate->in_flight(), 0u);
}

TEST(ConcurrencyGate, WaitTimesOutAndFullQueueIsRefusedAtOnce) {
  asio::io_context io;
  auto gate = ConcurrencyGate::Create({1, 1, milliseconds(50)});
  std::vector<Outcome> outcomes;
  asio::co_spawn(io, Hold(gate, milliseconds(300), &outcomes), asio::detached);
  asio::co_spawn(io, Hold(gate, milliseconds(0), &outcomes), asio::detached);  // waits, times out
  asio::co_spawn(io, Hold(gate, milliseconds(0), &outcomes), asio::detached);  // queue full
  io.run();
  ASSERT_EQ(outcomes.size(), 3u);
  EXPECT_EQ(outcomes[0], Outcome::kAcquired);
  EXPECT_EQ(outcomes[1], Outcome::kQueueFull);
  EXPECT_EQ(outcomes[2], Outcome::kTimedOut);
  EXPECT_EQ(gate->in_flight(), 0u);
  EXPECT_EQ(gate->queued(), 0u);
}

TEST(ConcurrencyGate, ReleaseFromAnotherThreadWakesTheWaiter) {
  asio::io_context io;
  auto gate = ConcurrencyGate::Create({1, 10, milliseconds(2000)});
  std::optional<ConcurrencyGate::Permit> held;
  std::vector<Outcome> outcomes;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        held.emplace(co_await gate->Acquire());
        std::thread([&] {
          std::this_thread::sleep_for(milliseconds(50));
          held.reset();  // released off the event loop
        }).detach();
        co_await Hold(gate, milliseconds(0), &outcomes);
      },
      asio::detached);
  io.run();
  EXPECT_EQ(outcomes, (std::vector<Outcome>{Outcome::kAcquired}));
}

TEST(ConcurrencyGate, LimitZeroIsUnlimited) {
  asio::io_context io;
  auto gate = ConcurrencyGate::Create({0, 0, milliseconds(1)});
  std::vector<Outcome> outcomes;
  for (int i = 0; i < 5; ++i) {
    asio::co_spawn(io, Hold(gate, milliseconds(10), &outcomes), asio::detached);
  }
  io.run();
  EXPECT_EQ(outcomes.size(), 5u);
  for (Outcome o : outcomes) EXPECT_EQ(o, Outcome::kAcquired);
}

}  // namespace
}  // namespace bulwark::traffic
