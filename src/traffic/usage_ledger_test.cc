#include "traffic/usage_ledger.h"

#include <filesystem>

#include <gtest/gtest.h>

namespace bulwark::traffic {
namespace {

using Clock = std::chrono::system_clock;

class UsageLedgerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("usage_ledger_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    auto store = OpenStore("sqlite://usage.db", dir_.string());
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  static std::vector<QuotaRule> Rules(std::initializer_list<const char*> texts) {
    std::vector<QuotaRule> out;
    for (const char* t : texts) out.push_back(*ParseQuotaRule(t));
    return out;
  }

  std::filesystem::path dir_;
  std::unique_ptr<Store> store_;
};

TEST_F(UsageLedgerTest, RefusesOnceTheKeyQuotaIsUsedAndReleasesUncommitted) {
  UsageLedger ledger(store_.get());
  auto quotas = Rules({"3/d"});
  UsageLedger::Subject s{"key_a", "acme", &quotas, nullptr};
  auto now = Clock::now();
  UsageLedger::Refusal refusal;
  for (int i = 0; i < 3; ++i) {
    auto r = ledger.TryReserve(s, {{"requests", 1}}, now, &refusal);
    ASSERT_NE(r, nullptr) << i;
    if (i < 2) r->Commit();  // the third is dropped: released, not counted
  }
  EXPECT_EQ(ledger.UsedForTest("key", "key_a", "requests", DayPeriod(now)), 2);
  auto third = ledger.TryReserve(s, {{"requests", 1}}, now, &refusal);
  ASSERT_NE(third, nullptr);
  third->Commit();
  EXPECT_EQ(ledger.TryReserve(s, {{"requests", 1}}, now, &refusal), nullptr);
  EXPECT_EQ(refusal.scope, "key");
  EXPECT_GE(refusal.retry_after_seconds, 1);
  EXPECT_LE(refusal.retry_after_seconds, 86400);
}

TEST_F(UsageLedgerTest, InFlightReservationsCountAgainstTheQuota) {
  UsageLedger ledger(nullptr);
  auto quotas = Rules({"video_seconds:60/mo"});
  UsageLedger::Subject s{"key_a", "acme", nullptr, &quotas};
  auto now = Clock::now();
  UsageLedger::Refusal refusal;
  auto a = ledger.TryReserve(s, {{"requests", 1}, {"video_seconds", 40}}, now, &refusal);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(ledger.TryReserve(s, {{"requests", 1}, {"video_seconds", 30}}, now, &refusal), nullptr);
  EXPECT_EQ(refusal.scope, "tenant");
  EXPECT_EQ(refusal.rule.unit, "video_seconds");
  // Requests-only calls are not limited by a video-seconds quota.
  EXPECT_NE(ledger.TryReserve(s, {{"requests", 1}}, now, &refusal), nullptr);
  a.reset();  // released
  EXPECT_NE(ledger.TryReserve(s, {{"requests", 1}, {"video_seconds", 30}}, now, &refusal), nullptr);
}

TEST_F(UsageLedgerTest, FlushWritesDeltasThatAnotherProcessSees) {
  UsageLedger one(store_.get());
  UsageLedger two(store_.get());
  auto quotas = Rules({"5/d"});
  UsageLedger::Subject s{"key_a", "acme", &quotas, nullptr};
  auto now = Clock::now();
  UsageLedger::Refusal refusal;
  for (int i = 0; i < 3; ++i) one.TryReserve(s, {{"requests", 1}}, now, &refusal)->Commit();
  for (int i = 0; i < 2; ++i) two.TryReserve(s, {{"requests", 1}}, now, &refusal)->Commit();
  ASSERT_TRUE(one.FlushNow().ok());
  ASSERT_TRUE(two.FlushNow().ok());
  ASSERT_TRUE(one.FlushNow().ok());  // reads two's usage back
  EXPECT_EQ(one.UsedForTest("key", "key_a", "requests", DayPeriod(now)), 5);
  EXPECT_EQ(one.TryReserve(s, {{"requests", 1}}, now, &refusal), nullptr);
  auto rows = store_->ListUsage({DayPeriod(now), MonthPeriod(now)}, "tenant", "acme");
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0].amount, 5);
  EXPECT_EQ((*rows)[1].amount, 5);
  // Flushing again adds nothing twice.
  ASSERT_TRUE(two.FlushNow().ok());
  EXPECT_EQ(two.UsedForTest("key", "key_a", "requests", MonthPeriod(now)), 5);
}

TEST(UsagePeriods, UtcDayAndMonth) {
  auto t = Clock::from_time_t(1764028800);  // 2025-11-25T00:00:00Z
  EXPECT_EQ(DayPeriod(t), "2025-11-25");
  EXPECT_EQ(MonthPeriod(t), "2025-11");
  EXPECT_EQ(DayPeriod(t - std::chrono::seconds(1)), "2025-11-24");
}

}  // namespace
}  // namespace bulwark::traffic
