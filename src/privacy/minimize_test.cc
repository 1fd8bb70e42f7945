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

TEST(MinimizeTest, KeptValuesKeepTheirOriginalBytes) {
  // Numbers keep their spelling, strings their escapes, whole allowed subtrees their
  // spacing; only the containers that lose a member are rewritten.
  const std::string body =
      "\xEF\xBB\xBF"
      R"( { "title" : "caf\u00e9 \/ \"x\"", "n": 1.0, "crm_id": 7,)"
      R"( "dimension": { "width": 1e2 , "height": -0.50E+1 },)"
      R"( "video_inputs": [ { "voice": [1.0, 2.50, 1E40], "note": {"a": [1, 2]} }, 3.000 ])"
      R"( , "t\u0069tle": 1.10 } )";
  auto out = Minimize(body, kGenerate);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->body,
            R"({"title":"caf\u00e9 \/ \"x\"","dimension":{ "width": 1e2 , "height": -0.50E+1 },)"
            R"("video_inputs":[{"voice":[1.0, 2.50, 1E40]},3.000],"t\u0069tle":1.10})");
  EXPECT_EQ(out->dropped, (std::vector<std::string>{"n", "crm_id", "video_inputs[].note"}));
  EXPECT_EQ(out->dropped_count, 3u);
  // The result is minimal: minimising it again drops nothing and keeps it as it is.
  auto again = Minimize(out->body, kGenerate);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->dropped_count, 0u);
  EXPECT_EQ(again->body, out->body);
}

TEST(MinimizeTest, DroppedArraysAndEmptyContainers) {
  std::vector<std::string_view> allowed = {"keep", "list[].id"};
  auto out = Minimize(R"({"keep":[ ],"list":[ {"id":1,"x":[]}, [ 1 ], "s" ],"other":[ ],)"
                      R"("gone":[ 1 ,2]})",
                      allowed);
  ASSERT_TRUE(out.ok()) << out.status();
  // An element that is not an object, or a scalar where more structure is expected, is kept
  // (its position was allowed); arrays under a dropped key are dropped whole.
  EXPECT_EQ(out->body, R"({"keep":[ ],"list":[{"id":1},[],"s"]})");
  EXPECT_EQ(out->dropped, (std::vector<std::string>{"list[].x", "list[][]", "other", "gone"}));
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
