#include "upstream/client.h"

#include <gtest/gtest.h>

namespace bulwark::upstream {
namespace {

TEST(ParseBaseUrl, SplitsSchemeHostPortAndPath) {
  auto e = ParseBaseUrl("https://api.heygen.com").value();
  EXPECT_TRUE(e.tls);
  EXPECT_EQ(e.host, "api.heygen.com");
  EXPECT_EQ(e.port, "443");
  EXPECT_EQ(e.base_path, "");
  auto s = ParseBaseUrl("http://127.0.0.1:8090/heygen/").value();
  EXPECT_FALSE(s.tls);
  EXPECT_EQ(s.port, "8090");
  EXPECT_EQ(s.base_path, "/heygen");
  auto v6 = ParseBaseUrl("http://[::1]:9000/x").value();
  EXPECT_EQ(v6.host, "::1");
  EXPECT_EQ(v6.port, "9000");
}

TEST(ParseBaseUrl, RefusesAnythingElse) {
  for (const char* bad :
       {"ftp://x", "api.heygen.com", "https://", "https://u:p@host", "https://host:0",
        "https://host:99999", "https://host/p?q=1", "https://host:abc"}) {
    EXPECT_FALSE(ParseBaseUrl(bad).ok()) << bad;
  }
}

// The message goes to logs and stderr: it must never quote the URL, whose userinfo, query
// or path (a Slack webhook's token) may be a secret.
TEST(ParseBaseUrl, ErrorsNeverQuoteTheUrl) {
  for (const char* bad : {"ftp://hunter2", "https://user:hunter2@host", "https://host/x?t=hunter2",
                          "https://hunter2:99999/T0/B0", "https://[hunter2/x"}) {
    auto parsed = ParseBaseUrl(bad);
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_EQ(std::string(parsed.status().message()).find("hunter2"), std::string::npos) << bad;
  }
}

}  // namespace
}  // namespace bulwark::upstream
