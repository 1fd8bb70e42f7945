#include <gtest/gtest.h>

#include "ratelimit/limiter.h"

namespace bulwark {
namespace {

using std::chrono::milliseconds;

TEST(MemoryRateLimiter, AllowsBurstOfNThenRefills) {
  auto limiter = NewMemoryRateLimiter();
  auto t0 = std::chrono::steady_clock::now();
  LimitSpec spec{"k", Rate{5, std::chrono::seconds(1)}};
  for (int i = 0; i < 5; ++i) {
    auto d = limiter->Check({&spec, 1}, t0);
    ASSERT_TRUE(d.allowed) << i;
    EXPECT_EQ(d.remaining, 4 - i);
    EXPECT_EQ(d.limit, 5);
  }
  auto denied = limiter->Check({&spec, 1}, t0);
  EXPECT_FALSE(denied.allowed);
  EXPECT_GE(denied.retry_after_seconds, 1);
  EXPECT_TRUE(limiter->Check({&spec, 1}, t0 + milliseconds(200)).allowed);
  EXPECT_FALSE(limiter->Check({&spec, 1}, t0 + milliseconds(200)).allowed);
}

TEST(MemoryRateLimiter, DenialChargesNoLimit) {
  auto limiter = NewMemoryRateLimiter();
  auto t0 = std::chrono::steady_clock::now();
  LimitSpec wide{"wide", Rate{100, std::chrono::seconds(1)}};
  LimitSpec narrow{"narrow", Rate{1, std::chrono::seconds(60)}};
  LimitSpec both[] = {wide, narrow};
  EXPECT_TRUE(limiter->Check(both, t0).allowed);
  for (int i = 0; i < 10; ++i) EXPECT_FALSE(limiter->Check(both, t0).allowed);
  // The wide limit was charged once only: 99 left.
  EXPECT_EQ(limiter->Check({&wide, 1}, t0).remaining, 98);
}

TEST(MemoryRateLimiter, NoLimitsMeansNoHeaders) {
  auto limiter = NewMemoryRateLimiter();
  auto d = limiter->Check({}, std::chrono::steady_clock::now());
  EXPECT_TRUE(d.allowed);
  EXPECT_FALSE(d.any_limit);
}

// Peek answers what Check would, and charges nothing (the token endpoint peeks before a
// client authentication and charges only failures).
TEST(MemoryRateLimiter, PeekDecidesLikeCheckWithoutCharging) {
  auto limiter = NewMemoryRateLimiter();
  auto t0 = std::chrono::steady_clock::now();
  LimitSpec spec{"fail:1.2.3.4", Rate{2, std::chrono::seconds(60)}};
  for (int i = 0; i < 5; ++i) {
    auto peek = limiter->Peek({&spec, 1}, t0);
    EXPECT_TRUE(peek.allowed);
    EXPECT_EQ(peek.remaining, 1);
  }
  EXPECT_TRUE(limiter->Check({&spec, 1}, t0).allowed);
  EXPECT_TRUE(limiter->Peek({&spec, 1}, t0).allowed);
  EXPECT_TRUE(limiter->Check({&spec, 1}, t0).allowed);
  auto blocked = limiter->Peek({&spec, 1}, t0);
  EXPECT_FALSE(blocked.allowed);
  EXPECT_EQ(blocked.retry_after_seconds, 30);
  EXPECT_FALSE(limiter->Check({&spec, 1}, t0).allowed);
  // One interval later exactly one more is allowed, whatever was peeked meanwhile.
  EXPECT_TRUE(limiter->Peek({&spec, 1}, t0 + std::chrono::seconds(30)).allowed);
  EXPECT_TRUE(limiter->Check({&spec, 1}, t0 + std::chrono::seconds(30)).allowed);
  EXPECT_FALSE(limiter->Peek({&spec, 1}, t0 + std::chrono::seconds(30)).allowed);
  // Another key is untouched.
  LimitSpec other{"fail:5.6.7.8", Rate{2, std::chrono::seconds(60)}};
  EXPECT_TRUE(limiter->Peek({&other, 1}, t0).allowed);
}

}  // namespace
}  // namespace bulwark
