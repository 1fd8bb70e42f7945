#include "config/config.h"

#include <gtest/gtest.h>

namespace bulwark {
namespace {

TEST(ParseConfig, AppliesDefaultsAndResolvesPathsAgainstTheFile) {
  auto c = ParseConfig(R"(
[server]
listen = "127.0.0.1:9000"
max_body = "2MiB"
[providers.heygen]
base_url = "https://api.heygen.com"
)",
                       "/etc/bulwark/bulwark.toml");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->server.listen, "127.0.0.1:9000");
  EXPECT_EQ(c->server.max_body, 2u << 20);
  EXPECT_EQ(c->master_key_file, "/etc/bulwark/var/master.key");
  EXPECT_EQ(c->SqlitePath().value(), "/etc/bulwark/var/bulwark.db");
  ASSERT_EQ(c->providers.size(), 1u);
  EXPECT_EQ(c->providers[0].profile, "heygen");
  EXPECT_EQ(c->providers[0].secret, "heygen");
  EXPECT_EQ(c->providers[0].timeout, std::chrono::seconds(60));
  EXPECT_TRUE(c->audit_fail_closed);
}

TEST(ParseConfig, AbsoluteSqliteUrl) {
  auto c = ParseConfig("[store]\nurl = \"sqlite:///data/b.db\"\n", "/etc/b/bulwark.toml");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->SqlitePath().value(), "/data/b.db");
}

TEST(ParseConfig, IntegerSizeIsBytes) {
  auto c = ParseConfig("[server]\nmax_body = 4096\n", "/x/b.toml");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->server.max_body, 4096u);
}

TEST(ParseConfig, RefusesUnknownKeysNamingThem) {
  auto c = ParseConfig("[server]\nlisten_addr = \"x\"\n", "/x/b.toml");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("server.listen_addr"), std::string::npos);
  auto p =
      ParseConfig("[providers.heygen]\nbase_url = \"https://x\"\nsecrt = \"y\"\n", "/x/b.toml");
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.status().message().find("providers.heygen.secrt"), std::string::npos);
}

TEST(ParseConfig, RefusesBadValues) {
  EXPECT_FALSE(ParseConfig("[server]\nmax_body = \"1MB\"\n", "/x/b.toml").ok());
  EXPECT_FALSE(ParseConfig("[server]\nheader_timeout = \"0s\"\n", "/x/b.toml").ok());
  EXPECT_FALSE(ParseConfig("[audit]\nfail_closed = \"yes\"\n", "/x/b.toml").ok());
  EXPECT_FALSE(
      ParseConfig("[providers.h]\npii = \"hide\"\nbase_url=\"https://x\"\n", "/x/b.toml").ok());
  EXPECT_FALSE(ParseConfig("[providers.h]\npii = \"allow\"\n", "/x/b.toml").ok());  // no base_url
  EXPECT_FALSE(ParseConfig("not toml = = =", "/x/b.toml").ok());
}

}  // namespace
}  // namespace bulwark
