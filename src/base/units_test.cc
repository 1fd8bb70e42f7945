#include "base/units.h"

#include <gtest/gtest.h>

namespace bulwark {
namespace {

TEST(ParseDuration, AcceptsEachUnit) {
  EXPECT_EQ(ParseDuration("30s").value(), std::chrono::seconds(30));
  EXPECT_EQ(ParseDuration("15m").value(), std::chrono::seconds(900));
  EXPECT_EQ(ParseDuration("24h").value(), std::chrono::seconds(86400));
  EXPECT_EQ(ParseDuration("30d").value(), std::chrono::seconds(30 * 86400));
}

TEST(ParseDuration, ZeroOnlyWhenAllowed) {
  EXPECT_FALSE(ParseDuration("0s").ok());
  EXPECT_EQ(ParseDuration("0s", /*allow_zero=*/true).value(), std::chrono::seconds(0));
}

TEST(ParseDuration, RejectsMalformed) {
  for (const char* bad : {"", "s", "10", "10x", "-5s", "+5s", " 5s", "5 s", "1.5h", "5S",
                          "99999999999999999999s", "0x10s"}) {
    EXPECT_FALSE(ParseDuration(bad).ok()) << bad;
  }
}

TEST(FormatDuration, UsesLargestExactUnit) {
  EXPECT_EQ(FormatDuration(std::chrono::seconds(86400)), "1d");
  EXPECT_EQ(FormatDuration(std::chrono::seconds(90)), "90s");
  EXPECT_EQ(FormatDuration(std::chrono::seconds(0)), "0s");
}

TEST(ParseSize, AcceptsBytesAndBinaryUnits) {
  EXPECT_EQ(ParseSize("1024").value(), 1024u);
  EXPECT_EQ(ParseSize("1KiB").value(), 1024u);
  EXPECT_EQ(ParseSize("1MiB").value(), 1048576u);
  EXPECT_EQ(ParseSize("2GiB").value(), 2147483648u);
}

TEST(ParseSize, RejectsMalformed) {
  for (const char* bad : {"", "MiB", "1MB", "1 MiB", "-1", "1.5MiB", "99999999999999GiB"}) {
    EXPECT_FALSE(ParseSize(bad).ok()) << bad;
  }
}

TEST(ParseRate, AcceptsEachPeriod) {
  EXPECT_EQ(ParseRate("10/s").value(), (Rate{10, std::chrono::seconds(1)}));
  EXPECT_EQ(ParseRate("100/m").value(), (Rate{100, std::chrono::seconds(60)}));
  EXPECT_EQ(ParseRate("5/h").value(), (Rate{5, std::chrono::seconds(3600)}));
  EXPECT_EQ(ParseRate("1000/d").value(), (Rate{1000, std::chrono::seconds(86400)}));
  EXPECT_EQ(ParseRate("7/m").value().ToString(), "7/m");
}

TEST(ParseRate, RejectsMalformed) {
  for (const char* bad : {"", "10", "/s", "0/s", "10/x", "10/ss", "10 /s", "-1/s", "1/"}) {
    EXPECT_FALSE(ParseRate(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace bulwark
