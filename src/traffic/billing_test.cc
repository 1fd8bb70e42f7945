#include "traffic/billing.h"

#include <string>

#include <gtest/gtest.h>

namespace bulwark::traffic {
namespace {

TEST(Billing, DurationFieldWins) {
  EXPECT_EQ(EstimateVideoSeconds(R"({"duration": 42.2, "script": "hi"})"), 43);
}

TEST(Billing, ScriptLengthAtFifteenCharsPerSecond) {
  std::string text(150, 'a');
  std::string v2 = R"({"video_inputs":[{"voice":{"type":"text","input_text":")" + text +
                   R"("}},{"voice":{"input_text":")" + text + R"("}}]})";
  EXPECT_EQ(EstimateVideoSeconds(v2), 20);
  EXPECT_EQ(EstimateVideoSeconds(R"({"script":"0123456789012345"})"), 2);
}

TEST(Billing, AtLeastOneSecondAndGarbageIsOne) {
  EXPECT_EQ(EstimateVideoSeconds("{}"), 1);
  EXPECT_EQ(EstimateVideoSeconds("not json"), 1);
  EXPECT_EQ(EstimateVideoSeconds(R"({"duration": -5})"), 1);
  EXPECT_EQ(EstimateVideoSeconds(R"({"duration": 1e300})"), 24 * 3600);
}

TEST(Billing, CostAlwaysCountsOneRequest) {
  auto plain = EstimateCost("", "{}");
  ASSERT_EQ(plain.size(), 1u);
  EXPECT_EQ(plain[0], (std::pair<std::string, int64_t>{"requests", 1}));
  auto video = EstimateCost("video_seconds", R"({"duration": 30})");
  ASSERT_EQ(video.size(), 2u);
  EXPECT_EQ(video[1], (std::pair<std::string, int64_t>{"video_seconds", 30}));
}

}  // namespace
}  // namespace bulwark::traffic
