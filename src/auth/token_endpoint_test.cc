// The token endpoint's pieces that need no server: the per-address failure key, and its
// paths being reserved as provider names (a provider `oauth2` would shadow /oauth2/token).
#include "auth/token_endpoint.h"

#include <gtest/gtest.h>

#include "config/reserved_names.h"

namespace bulwark::auth {
namespace {

std::string_view FirstSegment(std::string_view path) {
  path.remove_prefix(1);
  return path.substr(0, path.find('/'));
}

TEST(TokenEndpoint, ItsPathsCannotBeProviderNames) {
  EXPECT_TRUE(IsReservedProviderName(FirstSegment(kTokenPath)));
  EXPECT_TRUE(IsReservedProviderName(FirstSegment(kJwksPath)));
  EXPECT_TRUE(IsReservedProviderName(FirstSegment("/healthz")));
  EXPECT_TRUE(IsReservedProviderName(FirstSegment("/readyz")));
}

TEST(TokenEndpoint, FailuresCountPerIpv4AddressAndPerIpv6Slash64) {
  using T = TokenEndpoint;
  EXPECT_NE(T::FailureLimitKey("192.0.2.1"), T::FailureLimitKey("192.0.2.2"));
  EXPECT_EQ(T::FailureLimitKey("192.0.2.1"), T::FailureLimitKey("::ffff:192.0.2.1"));
  // One host usually holds a whole /64: rotating the low bits does not reset the count.
  EXPECT_EQ(T::FailureLimitKey("2001:db8:1:2::1"), T::FailureLimitKey("2001:db8:1:2:ffff::9"));
  EXPECT_NE(T::FailureLimitKey("2001:db8:1:2::1"), T::FailureLimitKey("2001:db8:1:3::1"));
  EXPECT_EQ(T::FailureLimitKey("2001:db8:1:2::1").rfind("oauth2_fail:", 0), 0u);
}

// The claimed client id reaches the audit record and the access log; a secret sent as the
// client id (fields swapped) must not.
TEST(TokenEndpoint, OnlyKeyIdShapedClientIdsAreLogged) {
  using T = TokenEndpoint;
  EXPECT_EQ(T::PrintableId("key_0123456789abcdef"), "key_0123456789abcdef");
  EXPECT_EQ(T::PrintableId("key_nosuch"), "key_nosuch");
  const std::string secret = "bwk_4fQz9LmN2pRt7VxY1aBcDeFgHiJkLmNo";
  EXPECT_EQ(T::PrintableId(secret), "");
  EXPECT_EQ(T::PrintableId(secret.substr(4)), "");  // without its prefix
  EXPECT_EQ(T::PrintableId("key_"), "");
  EXPECT_EQ(T::PrintableId(""), "");
  EXPECT_EQ(T::PrintableId("key_a b"), "");
  EXPECT_EQ(T::PrintableId("key_" + std::string(61, 'a')), "");  // over 64 bytes
}

}  // namespace
}  // namespace bulwark::auth
