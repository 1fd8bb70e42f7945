#include "traffic/traffic_control.h"

#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

namespace bulwark::traffic {
namespace {

Config WithProviders(std::vector<std::pair<std::string, std::vector<std::string>>> rates) {
  Config c;
  for (auto& [name, rules] : rates) {
    ProviderConfig p;
    p.name = name;
    p.rate = rules;
    c.providers.push_back(p);
  }
  return c;
}

TEST(TrafficControl, ReloadAddsANewProviderAndKeepsTheOldOnesObjects) {
  auto t = TrafficControl::Create(WithProviders({{"heygen", {"5/s"}}}), nullptr, nullptr);
  ASSERT_TRUE(t.ok()) << t.status();
  ProviderTraffic* heygen = (*t)->Provider("heygen");
  ASSERT_NE(heygen, nullptr);
  EXPECT_EQ((*t)->Provider("second"), nullptr);

  ASSERT_TRUE((*t)->Reload(WithProviders({{"heygen", {"7/s"}}, {"second", {"1/m"}}})).ok());
  EXPECT_EQ((*t)->Provider("heygen"), heygen);  // same breaker, budget and gate
  EXPECT_EQ(heygen->rates.load()->at(0).ToString(), "7/s");
  ProviderTraffic* second = (*t)->Provider("second");
  ASSERT_NE(second, nullptr);
  EXPECT_EQ(second->rates.load()->at(0).ToString(), "1/m");

  // A provider removed from the file keeps its object: a request still routed to it is safe.
  ASSERT_TRUE((*t)->Reload(WithProviders({{"second", {}}})).ok());
  EXPECT_EQ((*t)->Provider("heygen"), heygen);
  EXPECT_TRUE(second->rates.load()->empty());
}

// Provider() hands out plain pointers read without a reference count: every one stays
// valid however many reloads grow the provider table afterwards.
TEST(TrafficControl, PointersSurviveManyGrowingReloads) {
  auto t = TrafficControl::Create(WithProviders({{"p0", {"1/s"}}}), nullptr, nullptr);
  ASSERT_TRUE(t.ok());
  std::vector<ProviderTraffic*> seen = {(*t)->Provider("p0")};
  std::vector<std::pair<std::string, std::vector<std::string>>> providers = {{"p0", {"1/s"}}};
  for (int i = 1; i <= 8; ++i) {
    providers.push_back({"p" + std::to_string(i), {fmt::format("{}/s", i + 1)}});
    ASSERT_TRUE((*t)->Reload(WithProviders(providers)).ok());
    seen.push_back((*t)->Provider("p" + std::to_string(i)));
  }
  for (size_t i = 0; i < seen.size(); ++i) {
    ASSERT_NE(seen[i], nullptr);
    EXPECT_EQ((*t)->Provider("p" + std::to_string(i)), seen[i]);
    EXPECT_EQ(seen[i]->name, "p" + std::to_string(i));
    EXPECT_EQ(seen[i]->rates.load()->at(0).ToString(), fmt::format("{}/s", i + 1));
  }
}

TEST(TrafficControl, ABadRuleChangesNothing) {
  auto t = TrafficControl::Create(WithProviders({{"heygen", {"5/s"}}}), nullptr, nullptr);
  ASSERT_TRUE(t.ok());
  Config bad = WithProviders({{"heygen", {"6/s"}}, {"second", {"nonsense"}}});
  absl::Status st = (*t)->Reload(bad);
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(std::string(st.message()).find("providers.second.rate"), std::string::npos) << st;
  EXPECT_EQ((*t)->Provider("heygen")->rates.load()->at(0).ToString(), "5/s");
  EXPECT_EQ((*t)->Provider("second"), nullptr);

  bad = WithProviders({{"heygen", {}}});
  bad.tenant_quotas["acme"] = {"credits:1.234/d"};
  EXPECT_FALSE(TrafficControl::Prepare(bad).ok());
}

}  // namespace
}  // namespace bulwark::traffic
