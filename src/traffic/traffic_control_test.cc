#include "traffic/traffic_control.h"

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
