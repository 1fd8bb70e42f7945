#include "traffic/billing.h"

#include <cmath>

#include <nlohmann/json.hpp>

namespace bulwark::traffic {
namespace {

constexpr int64_t kCharsPerSecond = 15;
constexpr int64_t kMaxSeconds = 24 * 3600;  // a bound on one request's estimate

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

}  // namespace

int64_t EstimateVideoSeconds(std::string_view body) {
  auto j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
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

UnitAmounts EstimateCost(std::string_view billing_unit, std::string_view body) {
  UnitAmounts out = {{"requests", 1}};
  if (billing_unit == "video_seconds")
    out.emplace_back("video_seconds", EstimateVideoSeconds(body));
  return out;
}

}  // namespace bulwark::traffic
