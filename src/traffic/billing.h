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
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace bulwark::traffic {

using UnitAmounts = std::vector<std::pair<std::string, int64_t>>;  // unit -> amount

// `billing_unit` is the operation's declared unit ("" = requests only).
UnitAmounts EstimateCost(std::string_view billing_unit, std::string_view body);

int64_t EstimateVideoSeconds(std::string_view body);

}  // namespace bulwark::traffic
