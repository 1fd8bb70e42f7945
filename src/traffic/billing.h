// File: billing.h
// What one request costs in the vendor's billing units, estimated before it is sent (the
// quota is reserved with this estimate and settled when the vendor answers).
//
// Every request costs 1 "requests". An operation whose profile declares a billing unit
// also costs that unit: HeyGen video.generate / videos.create declare "video_seconds",
// estimated from the request as follows (the vendor bills the rendered length, which is
// not known until the video is done):
//   - a numeric top-level "duration" field (seconds) is taken as is;
//   - otherwise the spoken script: every voice.input_text / script / input_text string,
//     at 15 characters per second (about 150 words a minute), rounded up;
//   - at least 1 second.
//
// HeyGen operations that spend credits (the pricing table, CreditPriceOf) also cost
// "credits", in hundredths of a credit (base/limit_rules.h kCreditHundredths):
//
//   cost = ceil(seconds / 30) * 30 / 60 * rate          (30-second billing increments)
//
//   operation                          rate (credits a minute)
//   video.generate, videos.create      1.0 avatar video; 0.2 when every character is a
//                                      photo avatar (type "talking_photo"/"photo_avatar")
//   translate.create                   3.0 (the source video's length is not in the
//                                      request: its "duration" field if the client sends
//                                      one, else one 30-second increment)
//
// `seconds` is the estimate above. A mixed avatar / photo-avatar video is priced at the
// avatar rate (a quota errs on the side of the vendor's bill).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace bulwark::traffic {

using UnitAmounts = std::vector<std::pair<std::string, int64_t>>;  // unit -> amount

// `billing_unit` is the operation's declared unit ("" = requests only). Credits are not
// counted by this overload (it does not know the operation).
UnitAmounts EstimateCost(std::string_view billing_unit, std::string_view body);

// The full estimate: requests, the declared unit, and credits where the pricing table
// prices (profile, operation).
UnitAmounts EstimateCost(std::string_view profile, std::string_view operation,
                         std::string_view billing_unit, std::string_view body);

int64_t EstimateVideoSeconds(std::string_view body);

// Credit rates, in hundredths of a credit per minute of video.
inline constexpr int64_t kAvatarVideoRate = 100;
inline constexpr int64_t kPhotoAvatarVideoRate = 20;
inline constexpr int64_t kVideoTranslateRate = 300;

enum class CreditPrice {
  kNone,         // the operation spends no credits
  kAvatarVideo,  // 1.0 a minute, or 0.2 for photo avatars only (decided from the body)
  kTranslate,    // 3.0 a minute
};
CreditPrice CreditPriceOf(std::string_view profile, std::string_view operation);

// Hundredths of a credit for `seconds` of video at `rate_per_minute` hundredths a minute,
// in 30-second increments. seconds <= 0 counts as one increment.
int64_t CreditCost(int64_t seconds, int64_t rate_per_minute);

// The rate (hundredths a minute) of an avatar-video request body: kPhotoAvatarVideoRate
// when every character it names is a photo avatar, else kAvatarVideoRate.
int64_t AvatarVideoRate(std::string_view body);

}  // namespace bulwark::traffic
