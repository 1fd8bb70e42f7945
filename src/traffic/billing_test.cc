#include "traffic/billing.h"

#include <string>
#include <vector>

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

// Issue 4: HeyGen credits, in hundredths of a credit.
int64_t CreditsOf(const UnitAmounts& cost) {
  for (const auto& [unit, amount] : cost) {
    if (unit == "credits") return amount;
  }
  return -1;
}

std::string V2Video(int seconds, const std::vector<std::string>& character_types) {
  std::string inputs;
  for (const std::string& type : character_types) {
    if (!inputs.empty()) inputs += ",";
    std::string id = type == "talking_photo" ? R"("talking_photo_id":"p1")" : R"("avatar_id":"a1")";
    inputs += R"({"character":{"type":")" + type + R"(",)" + id +
              R"(},"voice":{"type":"text","input_text":"hi"}})";
  }
  return R"({"duration":)" + std::to_string(seconds) + R"(,"video_inputs":[)" + inputs + "]}";
}

TEST(Credits, PricingTableKnowsTheThreeHeygenRates) {
  EXPECT_EQ(CreditPriceOf("heygen", "video.generate"), CreditPrice::kAvatarVideo);
  EXPECT_EQ(CreditPriceOf("heygen", "videos.create"), CreditPrice::kAvatarVideo);
  EXPECT_EQ(CreditPriceOf("heygen", "translate.create"), CreditPrice::kTranslate);
  EXPECT_EQ(CreditPriceOf("heygen", "video.status"), CreditPrice::kNone);
  EXPECT_EQ(CreditPriceOf("writesonic", "video.generate"), CreditPrice::kNone);
}

TEST(Credits, BilledInThirtySecondIncrements) {
  EXPECT_EQ(CreditCost(60, kAvatarVideoRate), 100);  // 1 min avatar = 1.00
  EXPECT_EQ(CreditCost(1, kAvatarVideoRate), 50);    // a started increment counts
  EXPECT_EQ(CreditCost(30, kAvatarVideoRate), 50);
  EXPECT_EQ(CreditCost(31, kAvatarVideoRate), 100);
  EXPECT_EQ(CreditCost(61, kAvatarVideoRate), 150);
  EXPECT_EQ(CreditCost(60, kPhotoAvatarVideoRate), 20);  // 0.20
  EXPECT_EQ(CreditCost(45, kPhotoAvatarVideoRate), 20);
  EXPECT_EQ(CreditCost(10, kPhotoAvatarVideoRate), 10);
  EXPECT_EQ(CreditCost(60, kVideoTranslateRate), 300);  // 3.00
  EXPECT_EQ(CreditCost(90, kVideoTranslateRate), 450);
  EXPECT_EQ(CreditCost(0, kAvatarVideoRate), 50);
  EXPECT_EQ(CreditCost(24 * 3600, kVideoTranslateRate), 24 * 60 * 300);
}

TEST(Credits, AvatarVideoCostsOneCreditAMinute) {
  auto cost = EstimateCost("heygen", "video.generate", "video_seconds", V2Video(60, {"avatar"}));
  ASSERT_EQ(cost.size(), 3u);
  EXPECT_EQ(cost[1], (std::pair<std::string, int64_t>{"video_seconds", 60}));
  EXPECT_EQ(CreditsOf(cost), 100);
}

TEST(Credits, PhotoAvatarCostsAFifthAndMixedVideosTheAvatarRate) {
  EXPECT_EQ(CreditsOf(EstimateCost("heygen", "video.generate", "video_seconds",
                                   V2Video(120, {"talking_photo", "talking_photo"}))),
            40);
  EXPECT_EQ(CreditsOf(EstimateCost("heygen", "video.generate", "video_seconds",
                                   V2Video(120, {"talking_photo", "avatar"}))),
            200);
  // A scene without a character, or a body that is not JSON: the avatar rate.
  EXPECT_EQ(AvatarVideoRate(R"({"video_inputs":[{"voice":{}}]})"), kAvatarVideoRate);
  EXPECT_EQ(AvatarVideoRate("not json"), kAvatarVideoRate);
  // v3: the character's fields at the top level.
  EXPECT_EQ(AvatarVideoRate(R"({"type":"photo_avatar","photo_avatar_id":"x","script":"a"})"),
            kPhotoAvatarVideoRate);
  EXPECT_EQ(AvatarVideoRate(R"({"talking_photo_id":"x","avatar_id":"y"})"), kAvatarVideoRate);
  EXPECT_EQ(CreditsOf(EstimateCost("heygen", "videos.create", "video_seconds",
                                   R"({"avatar_id":"a","duration":90})")),
            150);
}

TEST(Credits, TranslateCostsThreeAMinuteAtLeastOneIncrement) {
  EXPECT_EQ(CreditsOf(EstimateCost("heygen", "translate.create", "",
                                   R"({"video_url":"https://x/v.mp4","duration":60})")),
            300);
  auto cost = EstimateCost("heygen", "translate.create", "", R"({"video_url":"https://x"})");
  EXPECT_EQ(CreditsOf(cost), 150);
  EXPECT_EQ(cost.size(), 2u);  // requests and credits; no video_seconds declared
}

TEST(Credits, OperationsWithoutAPriceCostNoCredits) {
  EXPECT_EQ(CreditsOf(EstimateCost("heygen", "video.status", "", "")), -1);
  EXPECT_EQ(CreditsOf(EstimateCost("video_seconds", R"({"duration":60})")), -1);
}

}  // namespace
}  // namespace bulwark::traffic
