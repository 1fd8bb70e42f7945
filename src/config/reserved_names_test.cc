// Provider names that collide with bulwark's own paths are refused by config validation.
#include "config/reserved_names.h"

#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "config/config.h"

namespace bulwark {
namespace {

absl::StatusOr<Config> WithProvider(std::string_view name) {
  return ParseConfig(
      "[providers.\"" + std::string(name) + "\"]\nprofile = \"heygen\"\nbase_url = \"https://x\"\n",
      "/x/bulwark.toml");
}

TEST(ReservedProviderNames, EveryReservedNameIsRefusedWithAClearReason) {
  for (std::string_view name : kReservedProviderNames) {
    auto c = WithProvider(name);
    ASSERT_FALSE(c.ok()) << name;
    EXPECT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument);
    std::string message(c.status().message());
    EXPECT_NE(message.find(fmt::format("provider name '{}' is reserved", name)), std::string::npos)
        << message;
  }
}

TEST(ReservedProviderNames, CaseDoesNotMatter) {
  EXPECT_TRUE(IsReservedProviderName("OAuth2"));
  EXPECT_TRUE(IsReservedProviderName("HEALTHZ"));
  EXPECT_FALSE(WithProvider("OAuth2").ok());
  EXPECT_FALSE(WithProvider("Metrics").ok());
}

TEST(ReservedProviderNames, NearMissesAndOrdinaryNamesAreAccepted) {
  EXPECT_FALSE(IsReservedProviderName("oauth"));
  EXPECT_FALSE(IsReservedProviderName("oauth2x"));
  EXPECT_FALSE(IsReservedProviderName("my-admin"));
  EXPECT_FALSE(IsReservedProviderName(""));
  for (std::string_view name : {"oauth2-vendor", "healthz_", "heygen2"}) {
    auto c = WithProvider(name);
    EXPECT_TRUE(c.ok()) << name << ": " << c.status();
  }
}

}  // namespace
}  // namespace bulwark
