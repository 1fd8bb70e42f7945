// The incident-response stages alone, on snapshots built in memory.
#include "pipeline/freeze/freeze_stage.h"

#include <gtest/gtest.h>

namespace bulwark {
namespace {

class FreezeStageTest : public ::testing::Test {
 protected:
  FreezeStageTest() : limiter_(NewMemoryRateLimiter()) {
    snapshot_ = std::make_shared<AccessSnapshot>();
    auto entry = std::make_shared<KeyEntry>();
    entry->record.id = "key_a";
    entry->record.tenant = "acme";
    key_ = entry;
  }

  SuspensionRecord Row(std::string scope, std::string target, std::string mode = "suspend",
                       std::string rate = "") {
    SuspensionRecord r;
    r.scope = std::move(scope);
    r.target = std::move(target);
    r.mode = std::move(mode);
    r.rate = std::move(rate);
    return r;
  }

  // Runs both stages as the gateway does and returns the refusal code ("" if none).
  std::string Run(bool authenticated = true) {
    request_ = http::Request{};
    RequestContext ctx(request_, snapshot_);
    if (authenticated) ctx.key = key_;
    if (FreezeStage().Run(ctx) == Stage::kStop) return std::string(Describe(*ctx.refusal).code);
    if (ThrottleStage(*limiter_).Run(ctx) == Stage::kStop) {
      return std::string(Describe(*ctx.refusal).code);
    }
    return "";
  }

  std::unique_ptr<RateLimiter> limiter_;
  std::shared_ptr<AccessSnapshot> snapshot_;
  std::shared_ptr<const KeyEntry> key_;
  http::Request request_;
};

TEST_F(FreezeStageTest, NothingSuspendedPasses) { EXPECT_EQ(Run(), ""); }

TEST_F(FreezeStageTest, SuspendedKeyIsRefusedWithKeySuspended) {
  snapshot_->key_suspensions["key_a"] = Row("key", "key_a");
  EXPECT_EQ(Run(), "key_suspended");
}

TEST_F(FreezeStageTest, AnotherKeysSuspensionDoesNotApply) {
  snapshot_->key_suspensions["key_b"] = Row("key", "key_b");
  EXPECT_EQ(Run(), "");
}

TEST_F(FreezeStageTest, FrozenTenantIsRefusedWithFrozen) {
  snapshot_->frozen_tenants["acme"] = Row("tenant", "acme");
  EXPECT_EQ(Run(), "frozen");
  snapshot_->frozen_tenants.clear();
  snapshot_->frozen_tenants["other"] = Row("tenant", "other");
  EXPECT_EQ(Run(), "");
}

TEST_F(FreezeStageTest, FreezeAllRefusesEveryRequestWithFrozen) {
  snapshot_->frozen_all = std::make_shared<const SuspensionRecord>(Row("all", "*"));
  EXPECT_EQ(Run(), "frozen");
  // Takes precedence over a key suspension: the whole gateway is frozen.
  snapshot_->key_suspensions["key_a"] = Row("key", "key_a");
  EXPECT_EQ(Run(), "frozen");
}

TEST_F(FreezeStageTest, UnknownModeFailsClosed) {
  snapshot_->key_suspensions["key_a"] = Row("key", "key_a", "quarantine");
  EXPECT_EQ(Run(), "key_suspended");
}

TEST_F(FreezeStageTest, ThrottledKeyGetsTheSafeRate) {
  snapshot_->key_suspensions["key_a"] = Row("key", "key_a", "throttle", "2/m");
  EXPECT_EQ(Run(), "");
  EXPECT_EQ(Run(), "");
  EXPECT_EQ(Run(), "rate_limited");
  EXPECT_EQ(Run(), "rate_limited");
}

TEST_F(FreezeStageTest, ThrottleWithUnreadableRateRefuses) {
  snapshot_->key_suspensions["key_a"] = Row("key", "key_a", "throttle", "fast");
  EXPECT_EQ(Run(), "key_suspended");
}

// The predicate the token endpoint shares with the stage (no tokens for a frozen key).
TEST_F(FreezeStageTest, CheckFrozenIsTheStagesDecision) {
  const KeyRecord& key = key_->record;
  EXPECT_EQ(CheckFrozen(*snapshot_, &key), FreezeDecision::kNone);
  EXPECT_EQ(CheckFrozen(*snapshot_, nullptr), FreezeDecision::kNone);
  snapshot_->key_suspensions["key_a"] = Row("key", "key_a", "throttle", "2/m");
  EXPECT_EQ(CheckFrozen(*snapshot_, &key), FreezeDecision::kNone);
  snapshot_->key_suspensions["key_a"] = Row("key", "key_a", "quarantine");
  EXPECT_EQ(CheckFrozen(*snapshot_, &key), FreezeDecision::kKeySuspended);
  snapshot_->frozen_tenants["acme"] = Row("tenant", "acme");
  EXPECT_EQ(CheckFrozen(*snapshot_, &key), FreezeDecision::kFrozenTenant);
  EXPECT_EQ(CheckFrozen(*snapshot_, nullptr), FreezeDecision::kNone);
  snapshot_->frozen_all = std::make_shared<const SuspensionRecord>(Row("all", "*"));
  EXPECT_EQ(CheckFrozen(*snapshot_, &key), FreezeDecision::kFrozenAll);
  EXPECT_EQ(CheckFrozen(*snapshot_, nullptr), FreezeDecision::kFrozenAll);
}

}  // namespace
}  // namespace bulwark
