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
  for (const char* bad : {"", "100", "100/s", "0/d", "-1/d", "x/d", "dollars:5/d", "5/month",
                          "video_seconds:/d", "1/d/d", "1.5/d", "video_seconds:1.5/d"}) {
    EXPECT_FALSE(ParseQuotaRule(bad).ok()) << bad;
  }
}

// Issue 4: HeyGen credits, kept in hundredths so that sums never drift.
TEST(QuotaRule, CreditsTakeTwoDecimalsAndAreKeptInHundredths) {
  struct Case {
    const char* text;
    uint64_t hundredths;
    const char* canonical;
  } cases[] = {{"credits:1/d", 100, "credits:1/d"},
               {"credits:0.5/mo", 50, "credits:0.5/mo"},
               {"credits:2.25/d", 225, "credits:2.25/d"},
               {"credits:0.05/d", 5, "credits:0.05/d"},
               {"credits:3.10/d", 310, "credits:3.1/d"},
               {"credits:10/d", 1000, "credits:10/d"},
               {"credits:100.50/mo", 10050, "credits:100.5/mo"}};
  for (const Case& c : cases) {
    auto q = ParseQuotaRule(c.text);
    ASSERT_TRUE(q.ok()) << c.text;
    EXPECT_EQ(q->unit, "credits");
    EXPECT_EQ(q->amount, c.hundredths) << c.text;
    EXPECT_EQ(q->ToString(), c.canonical);
    auto again = ParseQuotaRule(q->ToString());
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again->amount, q->amount);
  }
  for (const char* bad : {"credits:0/d", "credits:0.00/d", "credits:1.234/d", "credits:1./d",
                          "credits:.5/d", "credits:1.-5/d", "credits:-1/d", "credits:1,5/d",
                          "credits:1.5.5/d", "credits:1.+5/d", "credits:1000000000001/d",
                          "credits:184467440737095517/d", "credits:18446744073709551616.5/d"}) {
    EXPECT_FALSE(ParseQuotaRule(bad).ok()) << bad;
  }
}

TEST(QuotaRule, CreditsAreShownWithTwoDecimals) {
  EXPECT_EQ(FormatCredits(0), "0.00");
  EXPECT_EQ(FormatCredits(100), "1.00");
  EXPECT_EQ(FormatCredits(20), "0.20");
  EXPECT_EQ(FormatCredits(1505), "15.05");
  EXPECT_EQ(FormatCredits(-150), "-1.50");
}

}  // namespace
}  // namespace bulwark
