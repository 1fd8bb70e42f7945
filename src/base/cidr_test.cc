#include "base/cidr.h"

#include <gtest/gtest.h>

namespace bulwark {
namespace {

bool In(const char* cidr, const char* ip) {
  return Cidr::Parse(cidr).value().Contains(IpAddress::Parse(ip).value());
}

TEST(Cidr, MatchesIpv4AndIpv6Blocks) {
  EXPECT_TRUE(In("10.0.0.0/8", "10.255.1.2"));
  EXPECT_FALSE(In("10.0.0.0/8", "11.0.0.1"));
  EXPECT_TRUE(In("192.168.1.7", "192.168.1.7"));
  EXPECT_FALSE(In("192.168.1.7", "192.168.1.8"));
  EXPECT_TRUE(In("0.0.0.0/0", "8.8.8.8"));
  EXPECT_TRUE(In("2001:db8::/32", "2001:db8:1::5"));
  EXPECT_FALSE(In("2001:db8::/32", "2001:db9::5"));
  EXPECT_TRUE(In("10.0.0.0/8", "::ffff:10.1.2.3"));
  EXPECT_TRUE(In("10.1.2.128/25", "10.1.2.200"));
  EXPECT_FALSE(In("10.1.2.128/25", "10.1.2.100"));
}

TEST(Cidr, RefusesMalformed) {
  for (const char* bad : {"", "10.0.0.0/33", "10.0.0/8", "::/129", "10.0.0.0/-1", "10.0.0.0/",
                          "example.com/8", "10.0.0.0/8x", "1.2.3.4.5"}) {
    EXPECT_FALSE(Cidr::Parse(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace bulwark
