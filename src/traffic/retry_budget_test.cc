#include "traffic/retry_budget.h"

#include <gtest/gtest.h>

namespace bulwark::traffic {
namespace {

using std::chrono::seconds;

TEST(RetryBudget, RetriesCappedAtShareOfRequests) {
  RetryBudget budget(0.2, 0);
  auto t0 = RetryBudget::Clock::now();
  EXPECT_FALSE(budget.TryRetry(t0));  // no traffic, no floor: nothing to retry on
  for (int i = 0; i < 10; ++i) budget.RecordRequest(t0);
  EXPECT_TRUE(budget.TryRetry(t0));
  EXPECT_TRUE(budget.TryRetry(t0));
  EXPECT_FALSE(budget.TryRetry(t0));  // 2 retries = 20% of 10
  for (int i = 0; i < 5; ++i) budget.RecordRequest(t0);
  EXPECT_TRUE(budget.TryRetry(t0));  // 15 requests allow 3
  EXPECT_FALSE(budget.TryRetry(t0));
}

TEST(RetryBudget, FloorAllowsAFewPerSecondWithoutTraffic) {
  RetryBudget budget(0.2, 1);  // 1/s over the 10 s window = 10
  auto t0 = RetryBudget::Clock::now();
  int allowed = 0;
  for (int i = 0; i < 50; ++i) allowed += budget.TryRetry(t0) ? 1 : 0;
  EXPECT_EQ(allowed, RetryBudget::kWindowSeconds);
}

TEST(RetryBudget, WindowSlides) {
  RetryBudget budget(0.5, 0);
  auto t0 = RetryBudget::Clock::now();
  for (int i = 0; i < 4; ++i) budget.RecordRequest(t0);
  EXPECT_TRUE(budget.TryRetry(t0));
  EXPECT_TRUE(budget.TryRetry(t0));
  EXPECT_FALSE(budget.TryRetry(t0));
  // 11 s later the old requests and retries have left the window.
  auto t1 = t0 + seconds(11);
  EXPECT_FALSE(budget.TryRetry(t1));
  budget.RecordRequest(t1);
  budget.RecordRequest(t1);
  EXPECT_TRUE(budget.TryRetry(t1));
}

}  // namespace
}  // namespace bulwark::traffic
