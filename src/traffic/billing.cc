#include "traffic/billing.h"

#include <algorithm>
#include <cmath>
#include <initializer_list>

#include <nlohmann/json.hpp>

namespace bulwark::traffic {
namespace {

constexpr int64_t kCharsPerSecond = 15;
constexpr int64_t kMaxSeconds = 24 * 3600;  // a bound on one request's estimate
constexpr int64_t kIncrementSeconds = 30;   // HeyGen bills credits in 30 s increments

// Sums the lengths of every string under a key that holds spoken text, to a bounded depth.
void CountScript(const nlohmann::json& j, int depth, uint64_t* chars) {
  if (depth > 16) return;
  if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it) {
      const std::string& k = it.key();
      if ((k == "input_text" || k == "script") && it->is_string()) {
        *chars += it->get_ref<const std::string&>().size();
      } else if (it->is_structured()) {
        CountScript(*it, depth + 1, chars);
      }
    }
  } else if (j.is_array()) {
    for (const auto& item : j) CountScript(item, depth + 1, chars);
  }
}

nlohmann::json Parse(std::string_view body) {
  return nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
}

int64_t VideoSecondsOf(const nlohmann::json& j) {
  if (j.is_discarded() || !j.is_object()) return 1;
  if (auto d = j.find("duration"); d != j.end() && d->is_number()) {
    double v = d->get<double>();
    if (std::isfinite(v) && v > 0) {
      // Clamp before converting: a huge double does not fit an int64_t.
      if (v >= static_cast<double>(kMaxSeconds)) return kMaxSeconds;
      return std::max<int64_t>(1, static_cast<int64_t>(std::ceil(v)));
    }
  }
  uint64_t chars = 0;
  CountScript(j, 0, &chars);
  int64_t seconds = static_cast<int64_t>((chars + kCharsPerSecond - 1) / kCharsPerSecond);
  return std::min<int64_t>(kMaxSeconds, std::max<int64_t>(1, seconds));
}

bool StringIs(const nlohmann::json& o, const char* key, std::initializer_list<const char*> values) {
  auto it = o.find(key);
  if (it == o.end() || !it->is_string()) return false;
  for (const char* v : values) {
    if (it->get_ref<const std::string&>() == v) return true;
  }
  return false;
}

// A character object (v2 video_inputs[].character, or a v3 body) is a photo avatar when
// its type says so, or when it names a photo and no avatar.
bool IsPhotoAvatar(const nlohmann::json& c) {
  if (!c.is_object()) return false;
  if (StringIs(c, "type", {"talking_photo", "photo_avatar"})) return true;
  if (c.contains("avatar_id") || StringIs(c, "type", {"avatar"})) return false;
  return c.contains("talking_photo_id") || c.contains("photo_avatar_id");
}

int64_t AvatarVideoRateOf(const nlohmann::json& j) {
  if (j.is_discarded() || !j.is_object()) return kAvatarVideoRate;
  if (auto inputs = j.find("video_inputs"); inputs != j.end() && inputs->is_array()) {
    if (inputs->empty()) return kAvatarVideoRate;
    for (const auto& scene : *inputs) {
      if (!scene.is_object()) return kAvatarVideoRate;
      auto c = scene.find("character");  // none: a scene of unknown kind
      if (c == scene.end() || !IsPhotoAvatar(*c)) return kAvatarVideoRate;
    }
    return kPhotoAvatarVideoRate;
  }
  auto c = j.find("character");
  // v3: the character's fields at the top level.
  return IsPhotoAvatar(c != j.end() ? *c : j) ? kPhotoAvatarVideoRate : kAvatarVideoRate;
}

struct PriceEntry {
  std::string_view profile;
  std::string_view operation;
  CreditPrice price;
};

// The pricing table (../shared/providers.md, HeyGen "Credits").
constexpr PriceEntry kPrices[] = {
    {"heygen", "video.generate", CreditPrice::kAvatarVideo},
    {"heygen", "videos.create", CreditPrice::kAvatarVideo},
    {"heygen", "translate.create", CreditPrice::kTranslate},
};

}  // namespace

int64_t EstimateVideoSeconds(std::string_view body) { return VideoSecondsOf(Parse(body)); }

int64_t AvatarVideoRate(std::string_view body) { return AvatarVideoRateOf(Parse(body)); }

CreditPrice CreditPriceOf(std::string_view profile, std::string_view operation) {
  for (const PriceEntry& e : kPrices) {
    if (e.profile == profile && e.operation == operation) return e.price;
  }
  return CreditPrice::kNone;
}

int64_t CreditCost(int64_t seconds, int64_t rate_per_minute) {
  int64_t s = std::clamp<int64_t>(seconds, 1, kMaxSeconds);
  int64_t increments = (s + kIncrementSeconds - 1) / kIncrementSeconds;
  // increments * 30 s / 60 s * rate, exact: the rates are even numbers of hundredths.
  return increments * kIncrementSeconds * rate_per_minute / 60;
}

UnitAmounts EstimateCost(std::string_view billing_unit, std::string_view body) {
  return EstimateCost({}, {}, billing_unit, body);
}

UnitAmounts EstimateCost(std::string_view profile, std::string_view operation,
                         std::string_view billing_unit, std::string_view body) {
  UnitAmounts out = {{"requests", 1}};
  CreditPrice price = CreditPriceOf(profile, operation);
  if (billing_unit != "video_seconds" && price == CreditPrice::kNone) return out;
  nlohmann::json j = Parse(body);  // parsed once for every unit
  int64_t seconds = VideoSecondsOf(j);
  if (billing_unit == "video_seconds") out.emplace_back("video_seconds", seconds);
  if (price == CreditPrice::kAvatarVideo) {
    out.emplace_back("credits", CreditCost(seconds, AvatarVideoRateOf(j)));
  } else if (price == CreditPrice::kTranslate) {
    out.emplace_back("credits", CreditCost(seconds, kVideoTranslateRate));
  }
  return out;
}

}  // namespace bulwark::traffic
