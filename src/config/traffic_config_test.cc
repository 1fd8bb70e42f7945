// Config keys of traffic protection (issue 4): provider limits and tenant quotas.
#include <gtest/gtest.h>

#include "config/config.h"

namespace bulwark {
namespace {

absl::StatusOr<Config> Parse(const std::string& text) {
  return ParseConfig(text, "/tmp/bulwark-traffic-test.toml");
}

TEST(TrafficConfig, ProviderLimitsAndTenantQuotas) {
  auto c = Parse(R"(
[providers.heygen]
base_url = "https://api.heygen.com"
rate = ["50/s", "video.generate=10/m"]
max_concurrent = 3
queue_size = 7
queue_timeout = "5s"
retry_budget = 0.1
retry_budget_min = 1
breaker_failures = 4
breaker_cooldown = "20s"

[tenants.acme]
quota = ["1000/d", "video_seconds:3600/mo"]
)");
  ASSERT_TRUE(c.ok()) << c.status();
  const ProviderConfig& p = c->providers.at(0);
  EXPECT_EQ(p.rate, (std::vector<std::string>{"50/s", "video.generate=10/m"}));
  EXPECT_EQ(p.max_concurrent, 3u);
  EXPECT_EQ(p.queue_size, 7u);
  EXPECT_EQ(p.queue_timeout, std::chrono::seconds(5));
  EXPECT_DOUBLE_EQ(p.retry_budget, 0.1);
  EXPECT_EQ(p.retry_budget_min, 1u);
  EXPECT_EQ(p.breaker_failures, 4u);
  EXPECT_EQ(p.breaker_cooldown, std::chrono::seconds(20));
  EXPECT_EQ(c->tenant_quotas.at("acme"),
            (std::vector<std::string>{"1000/d", "video_seconds:3600/mo"}));
}

TEST(TrafficConfig, DefaultsAreSafe) {
  auto c = Parse("[providers.heygen]\nbase_url = \"https://api.heygen.com\"\n");
  ASSERT_TRUE(c.ok());
  const ProviderConfig& p = c->providers.at(0);
  EXPECT_TRUE(p.rate.empty());
  EXPECT_EQ(p.max_concurrent, 0u);
  EXPECT_DOUBLE_EQ(p.retry_budget, 0.2);
  EXPECT_EQ(p.retry_budget_min, 3u);
  EXPECT_EQ(p.breaker_failures, 10u);
  EXPECT_TRUE(c->tenant_quotas.empty());
}

TEST(TrafficConfig, BadValuesAreRefusedWithTheKeyNamed) {
  struct Case {
    const char* text;
    const char* key;
  };
  for (const Case& t : {
           Case{"[providers.h]\nbase_url = \"https://x\"\nrate = [\"fast\"]\n", "providers.h.rate"},
           Case{"[providers.h]\nbase_url = \"https://x\"\nretry_budget = 2.0\n",
                "providers.h.retry_budget"},
           Case{"[providers.h]\nbase_url = \"https://x\"\nmax_concurrent = -1\n",
                "providers.h.max_concurrent"},
           Case{"[tenants.acme]\nquota = [\"100/s\"]\n", "tenants.acme.quota"},
           Case{"[tenants.acme]\nquotas = [\"100/d\"]\n", "tenants.acme.quotas"},
       }) {
    auto c = Parse(t.text);
    ASSERT_FALSE(c.ok()) << t.text;
    EXPECT_NE(std::string(c.status().message()).find(t.key), std::string::npos) << c.status();
  }
}

}  // namespace
}  // namespace bulwark
