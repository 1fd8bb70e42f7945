// Each anomaly rule fires on a scripted pattern and stays quiet on normal traffic.
#include "anomaly/detector.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

namespace bulwark::anomaly {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::seconds;

class DetectorTest : public ::testing::Test {
 protected:
  DetectorTest() {
    config_.interval = seconds(10);
    config_.warmup = 3;
    config_.learning_period = seconds(60);
    config_.rate_spike = {5, 20, "suspend"};
    config_.auth_failures = {1, 10, "alert"};
    config_.pii_spike = {5, 10, "alert"};
    config_.blocked_spike = {5, 10, "throttle"};
    config_.spend_acceleration = {4, 50, "alert"};
  }

  Detector& Make() {
    detector_ = std::make_unique<Detector>(config_, [this](Alert a) { alerts_.push_back(a); });
    start_ = Clock::now();
    return *detector_;
  }

  // `n` requests of key_a (tenant acme) spread over interval number `interval`.
  void Requests(int interval, int n, int pii = 0, bool blocked = false,
                std::string_view ip = "10.0.0.5", std::string_view key = "key_a") {
    for (int i = 0; i < n; ++i) {
      Event e;
      e.key_id = key;
      e.tenant = "acme";
      e.client_ip = ip;
      e.pii_findings = pii;
      e.blocked = blocked;
      e.now = start_ + seconds(10 * interval) + std::chrono::milliseconds(i % 9000);
      detector_->Observe(e);
    }
  }

  void AuthFailures(int interval, int n, std::string_view ip, std::string_view failed_key = "") {
    for (int i = 0; i < n; ++i) {
      Event e;
      e.auth_failure = true;
      e.client_ip = ip;
      e.failed_key_id = failed_key;
      e.now = start_ + seconds(10 * interval) + std::chrono::milliseconds(i);
      detector_->Observe(e);
    }
  }

  int Count(std::string_view rule) const {
    int n = 0;
    for (const Alert& a : alerts_) n += a.rule == rule ? 1 : 0;
    return n;
  }

  AnomalyConfig config_;
  std::unique_ptr<Detector> detector_;
  std::vector<Alert> alerts_;
  Clock::time_point start_;
};

TEST(SeriesTest, BaselineFollowsPastIntervals) {
  Series s;
  s.Add(0, 10);
  s.Add(1, 10);
  EXPECT_EQ(s.history(), 1);
  EXPECT_DOUBLE_EQ(s.baseline(), 10);
  s.Add(2, 0);
  EXPECT_DOUBLE_EQ(s.baseline(), 10);
  s.Add(5, 0);  // two empty intervals in between decay the baseline
  EXPECT_NEAR(s.baseline(), 10 * 0.8 * 0.64, 1e-9);
  s.Add(4, 3);  // late (racing) observation counts in the current interval
  EXPECT_EQ(s.count(), 3);
}

TEST(NetworkOfTest, GroupsBySlash24AndSlash48) {
  EXPECT_EQ(NetworkOf("203.0.113.77"), "203.0.113.0/24");
  EXPECT_EQ(NetworkOf("2001:db8:1234:5678::1"), "2001:db8:1234::/48");
  EXPECT_EQ(NetworkOf("::ffff:198.51.100.9"), "198.51.100.0/24");
  EXPECT_EQ(NetworkOf("not an address"), "");
}

TEST_F(DetectorTest, SteadyTrafficRaisesNothing) {
  Make();
  for (int i = 0; i < 20; ++i) {
    Requests(i, 15 + (i % 3), /*pii=*/1);
    Requests(i, i % 2, 0, /*blocked=*/true);
  }
  EXPECT_TRUE(alerts_.empty()) << alerts_.front().rule << " " << alerts_.front().summary;
}

TEST_F(DetectorTest, RateSpikeFiresOnceAboveTheKeysOwnBaseline) {
  Make();
  for (int i = 0; i < 5; ++i) Requests(i, 10);
  EXPECT_EQ(Count("rate_spike"), 0);
  Requests(5, 200);  // 20x the baseline
  ASSERT_EQ(Count("rate_spike"), 1);
  const Alert& a = alerts_.front();
  EXPECT_EQ(a.subject_kind, "key");
  EXPECT_EQ(a.key_id, "key_a");
  EXPECT_EQ(a.action, "suspend");
  EXPECT_GT(a.observed, a.threshold);
  EXPECT_NEAR(a.baseline, 10, 0.01);
}

TEST_F(DetectorTest, RateSpikeWaitsForWarmupAndTheMinimum) {
  Make();
  Requests(0, 5);
  Requests(1, 500);  // one interval of history only: no baseline yet
  EXPECT_EQ(Count("rate_spike"), 0);
  config_.rate_spike.min = 1000;
  Make();
  for (int i = 0; i < 5; ++i) Requests(i, 10);
  Requests(5, 200);  // 20x the baseline but under the minimum
  EXPECT_EQ(Count("rate_spike"), 0);
}

TEST_F(DetectorTest, AuthFailureBurstFromOneAddress) {
  Make();
  AuthFailures(0, 9, "192.0.2.1");  // a client with a stale key, retrying: quiet
  EXPECT_EQ(Count("auth_failures"), 0);
  AuthFailures(1, 30, "192.0.2.66");
  ASSERT_EQ(Count("auth_failures"), 1);  // once per interval, not per failure
  EXPECT_EQ(alerts_.front().subject_kind, "address");
  EXPECT_EQ(alerts_.front().subject, "192.0.2.66");
  EXPECT_TRUE(alerts_.front().key_id.empty());
}

TEST_F(DetectorTest, AuthFailureBurstAgainstOneKeyIdFromManyAddresses) {
  Make();
  for (int i = 0; i < 12; ++i) AuthFailures(0, 1, fmt::format("198.51.100.{}", i), "key_old");
  ASSERT_EQ(Count("auth_failures"), 1);
  EXPECT_EQ(alerts_.front().subject_kind, "key");
  EXPECT_EQ(alerts_.front().key_id, "key_old");
}

TEST_F(DetectorTest, NewNetworkAfterLearningPeriod) {
  Make();
  Requests(0, 3, 0, false, "10.0.0.5");
  Requests(1, 3, 0, false, "10.0.1.9");    // within the 60 s learning period: learnt
  Requests(8, 3, 0, false, "10.0.0.200");  // same /24 as before: quiet
  Requests(8, 3, 0, false, "10.0.1.1");
  EXPECT_EQ(Count("new_network"), 0);
  Requests(9, 3, 0, false, "203.0.113.4");  // after learning, a network never seen
  ASSERT_EQ(Count("new_network"), 1);       // once, then it is known
  EXPECT_NE(alerts_.front().summary.find("203.0.113.0/24"), std::string::npos);
}

TEST_F(DetectorTest, PiiSpike) {
  Make();
  for (int i = 0; i < 4; ++i) Requests(i, 10, /*pii=*/i % 2);
  EXPECT_EQ(Count("pii_spike"), 0);
  Requests(4, 10, /*pii=*/5);  // 50 findings against a baseline of about 5
  EXPECT_EQ(Count("pii_spike"), 1);
}

TEST_F(DetectorTest, BlockedSpike) {
  Make();
  for (int i = 0; i < 4; ++i) {
    Requests(i, 10);
    Requests(i, 1, 0, /*blocked=*/true);
  }
  EXPECT_EQ(Count("blocked_spike"), 0);
  Requests(4, 30, 0, /*blocked=*/true);
  ASSERT_EQ(Count("blocked_spike"), 1);
  EXPECT_EQ(alerts_.back().action, "throttle");
}

TEST_F(DetectorTest, SpendAccelerationPerTenantAcrossKeys) {
  Make();
  for (int i = 0; i < 4; ++i) {
    Requests(i, 10, 0, false, "10.0.0.5", "key_a");
    Requests(i, 10, 0, false, "10.0.0.5", "key_b");
  }
  EXPECT_EQ(Count("spend_acceleration"), 0);
  // The tenant total goes to 6x its baseline.
  Requests(4, 60, 0, false, "10.0.0.5", "key_a");
  Requests(4, 60, 0, false, "10.0.0.5", "key_b");
  ASSERT_EQ(Count("spend_acceleration"), 1);
  const Alert* a = nullptr;
  for (const Alert& x : alerts_) a = x.rule == "spend_acceleration" ? &x : a;
  EXPECT_EQ(a->subject_kind, "tenant");
  EXPECT_EQ(a->subject, "acme");
}

TEST_F(DetectorTest, OffDisablesARule) {
  config_.rate_spike.action = "off";
  Make();
  for (int i = 0; i < 5; ++i) Requests(i, 10);
  Requests(5, 500);
  EXPECT_EQ(Count("rate_spike"), 0);
}

TEST_F(DetectorTest, TrackedAddressesAreBounded) {
  config_.max_tracked = 32;  // two per stripe
  config_.auth_failures.min = 1000;
  Make();
  for (int i = 0; i < 500; ++i) AuthFailures(i, 1, fmt::format("10.1.{}.{}", i / 250, i % 250));
  EXPECT_LE(detector_->TrackedAddressesForTest(), 32u);
}

TEST_F(DetectorTest, DisabledDetectorSeesNothing) {
  config_.enabled = false;
  Make();
  AuthFailures(0, 100, "192.0.2.1");
  EXPECT_TRUE(alerts_.empty());
}

}  // namespace
}  // namespace bulwark::anomaly
