#include "privacy/minimize.h"

#include <gtest/gtest.h>

namespace bulwark::privacy {
namespace {

std::vector<std::string_view> kGenerate = {"video_inputs[].character", "video_inputs[].voice",
                                           "title", "dimension"};

TEST(MinimizeTest, NothingDroppedKeepsTheBytes) {
  std::string body = R"({ "title" : "t",  "video_inputs": [ {"voice": {"x": 1.50}} ] })";
  auto out = Minimize(body, kGenerate);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->body, body);
  EXPECT_TRUE(out->dropped.empty());
}

TEST(MinimizeTest, DropsFieldsOutsideTheAllowListAndNamesThem) {
  auto out = Minimize(
      R"({"title":"t","crm_id":"c-1","video_inputs":[{"character":{"avatar_id":"a","x":{"y":1}},)"
      R"("internal":"secret","voice":{"input_text":"hi"}},{"internal":"again"}],)"
      R"("dimension":{"width":1280}})",
      kGenerate);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->body, R"({"title":"t","video_inputs":[{"character":{"avatar_id":"a","x":{"y":1}},)"
                       R"("voice":{"input_text":"hi"}},{}],"dimension":{"width":1280}})");
  EXPECT_EQ(out->dropped, (std::vector<std::string>{"crm_id", "video_inputs[].internal"}));
  EXPECT_EQ(out->dropped_count, 3u);
}

TEST(MinimizeTest, WildcardKeysAndNonIdentifierKeysAreNotLogged) {
  std::vector<std::string_view> allowed = {"variables.*.properties.content"};
  auto out = Minimize(R"({"variables":{"name":{"properties":{"content":"x","k":1},"t":2}},)"
                      R"("jane@example.com":1})",
                      allowed);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->body, R"({"variables":{"name":{"properties":{"content":"x"}}}})");
  EXPECT_EQ(out->dropped,
            (std::vector<std::string>{"variables.name.properties.k", "variables.name.t", "<key>"}));
}

TEST(MinimizeTest, RefusesInvalidOrTooDeepJson) {
  EXPECT_FALSE(Minimize("{not json", kGenerate).ok());
  EXPECT_FALSE(Minimize(R"({"title":"t"} x)", kGenerate).ok());
  EXPECT_FALSE(Minimize(std::string(200, '[') + std::string(200, ']'), kGenerate).ok());
  EXPECT_TRUE(Minimize(std::string(100, '[') + std::string(100, ']'), kGenerate).ok());
}

TEST(MinimizeTest, EmptyAllowListKeepsEverything) {
  auto out = Minimize(R"({"anything":1})", {});
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->body, R"({"anything":1})");
}

}  // namespace
}  // namespace bulwark::privacy
