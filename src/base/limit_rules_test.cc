#include "base/limit_rules.h"

#include <gtest/gtest.h>

namespace bulwark {
namespace {

TEST(RateRule, PlainRateAppliesToEveryOperation) {
  auto r = ParseRateRule("10/s");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->operation.empty());
  EXPECT_EQ(r->rate.count, 10u);
  EXPECT_TRUE(r->Matches("heygen", "video.generate"));
  EXPECT_EQ(r->ToString(), "10/s");
}

TEST(RateRule, OperationRateMatchesOnlyThatOperation) {
  auto r = ParseRateRule("video.generate=5/m");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->operation, "video.generate");
  EXPECT_EQ(r->rate.period, std::chrono::seconds(60));
  EXPECT_TRUE(r->Matches("heygen", "video.generate"));
  EXPECT_FALSE(r->Matches("heygen", "video.status"));
  EXPECT_EQ(r->ToString(), "video.generate=5/m");

  auto q = ParseRateRule("heygen:videos.create=1/s");
  ASSERT_TRUE(q.ok());
  EXPECT_TRUE(q->Matches("heygen", "videos.create"));
  EXPECT_FALSE(q->Matches("other", "videos.create"));
}

TEST(RateRule, RefusesMalformedRules) {
  for (const char* bad :
       {"", "=5/m", "a b=5/m", "x=5", "x=0/s", "x=5/y", "a:b:c=1/s", ":x=1/s", "video.generate="}) {
    EXPECT_FALSE(ParseRateRule(bad).ok()) << bad;
  }
}

TEST(QuotaRule, ParsesRequestsAndUnits) {
  auto q = ParseQuotaRule("100/d");
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->unit, "requests");
  EXPECT_EQ(q->amount, 100u);
  EXPECT_EQ(q->period, QuotaPeriod::kDay);
  EXPECT_EQ(q->ToString(), "100/d");

  auto v = ParseQuotaRule("video_seconds:600/mo");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->unit, "video_seconds");
  EXPECT_EQ(v->period, QuotaPeriod::kMonth);
  EXPECT_EQ(v->ToString(), "video_seconds:600/mo");
}

TEST(QuotaRule, RefusesMalformedQuotas) {
  for (const char* bad : {"", "100", "100/s", "0/d", "-1/d", "x/d", "credits:5/d", "5/month",
                          "video_seconds:/d", "1/d/d"}) {
    EXPECT_FALSE(ParseQuotaRule(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace bulwark
