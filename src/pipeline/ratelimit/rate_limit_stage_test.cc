// The rate-limit stage (issue 4): each limit level and the quota check, on a real
// TrafficControl built from a config and the in-process limiter.
#include "pipeline/ratelimit/rate_limit_stage.h"

#include <gtest/gtest.h>

#include "config/config.h"
#include "pipeline/route/route_stage.h"

namespace bulwark {
namespace {

class RateLimitStageTest : public ::testing::Test {
 protected:
  void Configure(const std::string& toml) {
    auto config = ParseConfig(toml, "/tmp/bulwark-test.toml");
    ASSERT_TRUE(config.ok()) << config.status();
    config_ = std::make_unique<Config>(std::move(*config));
    for (const ProviderConfig& p : config_->providers) {
      ProviderRoute route;
      route.name = p.name;
      route.config = &p;
      route.profile = FindProfile(p.profile);
      routes_.emplace(p.name, route);
    }
    auto traffic = traffic::TrafficControl::Create(*config_, nullptr, &metrics_);
    ASSERT_TRUE(traffic.ok()) << traffic.status();
    traffic_ = std::move(*traffic);
    limiter_ = NewMemoryRateLimiter();
    stage_ = std::make_unique<RateLimitStage>(*limiter_, traffic_.get());
  }

  std::shared_ptr<KeyEntry> Key(const std::string& id, std::vector<std::string> rates,
                                std::vector<std::string> quotas = {},
                                const std::string& tenant = "default") {
    auto k = std::make_shared<KeyEntry>();
    k->record.id = id;
    k->record.tenant = tenant;
    for (const std::string& r : rates) {
      RateRule rule = *ParseRateRule(r);
      if (rule.operation.empty()) {
        k->rates.push_back(rule.rate);
      } else {
        k->op_rates.push_back(rule);
      }
    }
    for (const std::string& q : quotas) k->quotas.push_back(*ParseQuotaRule(q));
    return k;
  }

  // Runs routing and the stage for one request; returns the context's outcome.
  struct Outcome {
    Stage::Result result;
    std::optional<ApiError> refusal;
    std::string reason;
    LimitDecision limits;
    int64_t retry_after;
    bool reserved;
  };
  Outcome Call(const std::shared_ptr<KeyEntry>& key, const std::string& method,
               const std::string& path, const std::string& body = "", bool commit = true) {
    http::Request request;
    request.head.method = method;
    request.head.path = path;
    request.body = body;
    RequestContext ctx(request, std::make_shared<AccessSnapshot>());
    ResolveProvider(routes_, path, ctx);
    EXPECT_EQ(RouteStage().Run(ctx), Stage::kContinue);
    ctx.key = key;
    Stage::Result r = stage_->Run(ctx);
    if (ctx.quota && commit) ctx.quota->Commit();
    return {r, ctx.refusal, ctx.reason, ctx.limits, ctx.retry_after, ctx.quota != nullptr};
  }

  Metrics metrics_;
  std::unique_ptr<Config> config_;
  std::unordered_map<std::string, ProviderRoute> routes_;
  std::unique_ptr<traffic::TrafficControl> traffic_;
  std::unique_ptr<RateLimiter> limiter_;
  std::unique_ptr<RateLimitStage> stage_;
};

constexpr char kStatus[] = "/heygen/v1/video_status.get";
constexpr char kGenerate[] = "/heygen/v2/video/generate";

TEST_F(RateLimitStageTest, KeyLevel) {
  Configure("[providers.heygen]\nbase_url = \"http://127.0.0.1:1\"\n");
  auto key = Key("key_k", {"2/m"});
  EXPECT_EQ(Call(key, "GET", kStatus).result, Stage::kContinue);
  EXPECT_EQ(Call(key, "GET", kStatus).limits.remaining, 0);
  Outcome refused = Call(key, "GET", kStatus);
  EXPECT_EQ(refused.refusal, ApiError::kRateLimited);
  EXPECT_EQ(refused.reason, "ratelimit.key");
  EXPECT_GE(refused.retry_after, 1);
}

TEST_F(RateLimitStageTest, OperationLevelAppliesOnlyToItsOperation) {
  Configure("[providers.heygen]\nbase_url = \"http://127.0.0.1:1\"\n");
  auto key = Key("key_o", {"video.generate=1/m", "heygen:video.status=3/m", "100/s"});
  Outcome first = Call(key, "POST", kGenerate, "{}");
  EXPECT_EQ(first.result, Stage::kContinue);
  EXPECT_EQ(first.limits.limit, 1);  // the tightest limit is reported
  Outcome second = Call(key, "POST", kGenerate, "{}");
  EXPECT_EQ(second.refusal, ApiError::kRateLimited);
  EXPECT_EQ(second.reason, "ratelimit.operation");
  Outcome status = Call(key, "GET", kStatus);
  EXPECT_EQ(status.result, Stage::kContinue);
  EXPECT_EQ(status.limits.limit, 3);
  EXPECT_EQ(status.limits.remaining, 2);
}

TEST_F(RateLimitStageTest, ProviderLevelIsSharedByAllKeys) {
  Configure("[providers.heygen]\nbase_url = \"http://127.0.0.1:1\"\nrate = [\"3/m\"]\n");
  auto a = Key("key_a", {});
  auto b = Key("key_b", {"100/s"});
  EXPECT_EQ(Call(a, "GET", kStatus).result, Stage::kContinue);
  EXPECT_EQ(Call(b, "GET", kStatus).result, Stage::kContinue);
  Outcome third = Call(a, "GET", kStatus);
  EXPECT_EQ(third.result, Stage::kContinue);
  EXPECT_EQ(third.limits.limit, 3);
  EXPECT_EQ(third.limits.remaining, 0);
  Outcome refused = Call(b, "GET", kStatus);
  EXPECT_EQ(refused.refusal, ApiError::kRateLimited);
  EXPECT_EQ(refused.reason, "ratelimit.provider");
  // The refusal charged none of b's limits: once a reload lifts the provider rate, b's own
  // 100/s shows two admitted calls (the first and this one), not three.
  auto looser = ParseConfig("[providers.heygen]\nbase_url = \"http://127.0.0.1:1\"\n",
                            "/tmp/bulwark-test.toml");
  ASSERT_TRUE(traffic_->Reload(*looser).ok());
  Outcome after = Call(b, "GET", kStatus);
  EXPECT_EQ(after.result, Stage::kContinue);
  EXPECT_EQ(after.limits.remaining, 98);
}

TEST_F(RateLimitStageTest, KeyQuotaRefusesWithQuotaExceeded) {
  Configure("[providers.heygen]\nbase_url = \"http://127.0.0.1:1\"\n");
  auto key = Key("key_q", {}, {"2/d"});
  EXPECT_TRUE(Call(key, "GET", kStatus).reserved);
  EXPECT_TRUE(Call(key, "GET", kStatus, "", /*commit=*/false).reserved);  // released
  EXPECT_EQ(Call(key, "GET", kStatus).result, Stage::kContinue);
  Outcome refused = Call(key, "GET", kStatus);
  EXPECT_EQ(refused.refusal, ApiError::kQuotaExceeded);
  EXPECT_EQ(refused.reason, "quota.key");
  EXPECT_GE(refused.retry_after, 1);
}

TEST_F(RateLimitStageTest, TenantQuotaInVideoSeconds) {
  Configure(
      "[providers.heygen]\nbase_url = \"http://127.0.0.1:1\"\n"
      "[tenants.acme]\nquota = [\"video_seconds:60/d\"]\n");
  auto a = Key("key_1", {}, {}, "acme");
  auto b = Key("key_2", {}, {}, "acme");
  EXPECT_EQ(Call(a, "POST", kGenerate, R"({"duration": 45})").result, Stage::kContinue);
  Outcome refused = Call(b, "POST", kGenerate, R"({"duration": 20})");
  EXPECT_EQ(refused.refusal, ApiError::kQuotaExceeded);
  EXPECT_EQ(refused.reason, "quota.tenant");
  EXPECT_EQ(Call(b, "POST", kGenerate, R"({"duration": 15})").result, Stage::kContinue);
  EXPECT_EQ(Call(b, "GET", kStatus).result, Stage::kContinue);  // no video seconds billed
}

TEST_F(RateLimitStageTest, RateRefusalReleasesTheQuotaReservation) {
  Configure("[providers.heygen]\nbase_url = \"http://127.0.0.1:1\"\n");
  auto key = Key("key_rq", {"1/m"}, {"5/d"});
  EXPECT_EQ(Call(key, "GET", kStatus).result, Stage::kContinue);
  EXPECT_EQ(Call(key, "GET", kStatus).refusal, ApiError::kRateLimited);
  auto day = traffic::DayPeriod(std::chrono::system_clock::now());
  EXPECT_EQ(traffic_->usage().UsedForTest("key", "key_rq", "requests", day), 1);
}

}  // namespace
}  // namespace bulwark
