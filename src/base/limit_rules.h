// File: limit_rules.h
// The textual forms of rate limits and quotas (issue 4), parsed once here for the CLI, the
// admin API, the config loader and the snapshot.
//
//   rate rule    N/s | N/m | N/h | N/d                 every call of the key (or provider)
//                OP=N/PERIOD                           only calls of operation OP, where OP
//                                                      is "video.generate" or the qualified
//                                                      "heygen:video.generate"
//   quota rule   N/d | N/mo                            requests per UTC day / calendar month
//                UNIT:N/d | UNIT:N/mo                  UNIT is "requests", "video_seconds" or
//                                                      "credits" (the vendor's billing unit,
//                                                      estimated by the profile; see
//                                                      traffic/billing.h)
//                credits:N.NN/d                        credits take up to two decimals
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "base/units.h"

namespace bulwark {

struct RateRule {
  std::string operation;  // "" = every operation; else "video.generate" or "heygen:video.generate"
  Rate rate;
  std::string ToString() const;
  // True when this rule applies to `operation` of `provider`.
  bool Matches(std::string_view provider, std::string_view op) const;
};
absl::StatusOr<RateRule> ParseRateRule(std::string_view text);

enum class QuotaPeriod { kDay, kMonth };

// HeyGen credits are counted in hundredths of a credit (integers, no float drift): a
// quota "credits:1.5/d" has amount 150, and usage cells of unit "credits" hold hundredths.
inline constexpr int64_t kCreditHundredths = 100;

// "1.00" for 100 hundredths: how credits are shown (keys show, /admin/v1/usage).
std::string FormatCredits(int64_t hundredths);

struct QuotaRule {
  std::string unit = "requests";  // "requests" | "video_seconds" | "credits"
  uint64_t amount = 0;            // in the unit; for "credits" in hundredths of a credit
  QuotaPeriod period = QuotaPeriod::kDay;
  std::string ToString() const;
};
absl::StatusOr<QuotaRule> ParseQuotaRule(std::string_view text);

// The billing units a quota may count.
bool IsKnownUsageUnit(std::string_view unit);

}  // namespace bulwark
