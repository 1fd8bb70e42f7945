#include "traffic/breaker.h"

#include <vector>

#include <gtest/gtest.h>

namespace bulwark::traffic {
namespace {

using std::chrono::seconds;
using State = CircuitBreaker::State;
using Admission = CircuitBreaker::Admission;

TEST(CircuitBreaker, OpensAfterConsecutiveFailuresOnly) {
  CircuitBreaker b({3, seconds(10)});
  auto t0 = CircuitBreaker::Clock::now();
  b.RecordFailure(t0);
  b.RecordFailure(t0);
  b.RecordSuccess();  // resets the run
  b.RecordFailure(t0);
  b.RecordFailure(t0);
  EXPECT_EQ(b.state(t0), State::kClosed);
  EXPECT_EQ(b.Admit(t0), Admission::kAllowed);
  b.RecordFailure(t0);
  EXPECT_EQ(b.state(t0), State::kOpen);
  EXPECT_EQ(b.Admit(t0 + seconds(1)), Admission::kRefused);
  EXPECT_EQ(b.RetryAfterSeconds(t0 + seconds(1)), 9);
}

TEST(CircuitBreaker, HalfOpenLetsExactlyOneProbeThroughAndClosesOnSuccess) {
  std::vector<State> seen;
  CircuitBreaker b({1, seconds(5)});
  b.OnTransition([&](State s) { seen.push_back(s); });
  auto t0 = CircuitBreaker::Clock::now();
  b.RecordFailure(t0);
  EXPECT_EQ(b.Admit(t0 + seconds(4)), Admission::kRefused);
  EXPECT_EQ(b.Admit(t0 + seconds(5)), Admission::kProbe);
  EXPECT_EQ(b.Admit(t0 + seconds(5)), Admission::kRefused);  // one probe at a time
  b.RecordSuccess();
  EXPECT_EQ(b.state(t0 + seconds(5)), State::kClosed);
  EXPECT_EQ(b.Admit(t0 + seconds(5)), Admission::kAllowed);
  EXPECT_EQ(seen, (std::vector<State>{State::kOpen, State::kHalfOpen, State::kClosed}));
}

TEST(CircuitBreaker, FailedProbeReopensForAnotherCooldown) {
  CircuitBreaker b({2, seconds(5)});
  auto t0 = CircuitBreaker::Clock::now();
  b.RecordFailure(t0);
  b.RecordFailure(t0);
  auto t1 = t0 + seconds(6);
  ASSERT_EQ(b.Admit(t1), Admission::kProbe);
  b.RecordFailure(t1);  // a single failure in half open reopens
  EXPECT_EQ(b.state(t1), State::kOpen);
  EXPECT_EQ(b.Admit(t1 + seconds(4)), Admission::kRefused);
  EXPECT_EQ(b.Admit(t1 + seconds(5)), Admission::kProbe);
}

TEST(CircuitBreaker, LostProbeIsReplacedAfterACooldown) {
  CircuitBreaker b({1, seconds(5)});
  auto t0 = CircuitBreaker::Clock::now();
  b.RecordFailure(t0);
  ASSERT_EQ(b.Admit(t0 + seconds(5)), Admission::kProbe);  // never reports
  EXPECT_EQ(b.Admit(t0 + seconds(9)), Admission::kRefused);
  EXPECT_EQ(b.Admit(t0 + seconds(10)), Admission::kProbe);
}

TEST(CircuitBreaker, ThresholdZeroNeverOpens) {
  CircuitBreaker b({0, seconds(5)});
  auto t0 = CircuitBreaker::Clock::now();
  for (int i = 0; i < 100; ++i) b.RecordFailure(t0);
  EXPECT_EQ(b.Admit(t0), Admission::kAllowed);
}

}  // namespace
}  // namespace bulwark::traffic
