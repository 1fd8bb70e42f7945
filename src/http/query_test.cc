#include "http/query.h"

#include <gtest/gtest.h>

namespace bulwark::http {
namespace {

TEST(QueryTest, DecodesNamesAndValues) {
  auto params = ParseQuery("video%5Fid=v%31&flag&&limit=10&plus=a+b").value();
  ASSERT_EQ(params.size(), 4u);
  EXPECT_EQ(params[0], (std::pair<std::string, std::string>{"video_id", "v1"}));
  EXPECT_EQ(params[1], (std::pair<std::string, std::string>{"flag", ""}));
  EXPECT_EQ(params[3].second, "a+b");
}

TEST(QueryTest, RefusesMalformedEscapes) {
  EXPECT_FALSE(ParseQuery("a=%zz").ok());
  EXPECT_FALSE(ParseQuery("a=%4").ok());
  EXPECT_FALSE(ParseQuery("%=1").ok());
  EXPECT_EQ(PercentDecode("%41%42"), "AB");
  EXPECT_EQ(PercentDecode("%"), std::nullopt);
}

TEST(QueryTest, UniqueParamRefusesRepeats) {
  auto params = ParseQuery("a=1&b=2&a=3").value();
  EXPECT_FALSE(UniqueParam(params, "a").ok());
  EXPECT_EQ(UniqueParam(params, "b").value(), "2");
  EXPECT_EQ(UniqueParam(params, "c").value(), std::nullopt);
}

}  // namespace
}  // namespace bulwark::http
