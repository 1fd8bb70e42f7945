// File: limit_rules.h
// The textual forms of rate limits and quotas (issue 4), parsed once here for the CLI, the
// admin API, the config loader and the snapshot.
//
//   rate rule    N/s | N/m | N/h | N/d                 every call of the key (or provider)
//                OP=N/PERIOD                           only calls of operation OP, where OP
//                                                      is "video.generate" or the qualified
//                                                      "heygen:video.generate"
//   quota rule   N/d | N/mo                            requests per UTC day / calendar month
//                UNIT:N/d | UNIT:N/mo                  UNIT is "requests" or "video_seconds"
//                                                      (the vendor's billing unit, estimated
//                                                      by the profile; see traffic/billing.h)
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

struct QuotaRule {
  std::string unit = "requests";  // "requests" | "video_seconds"
  uint64_t amount = 0;
  QuotaPeriod period = QuotaPeriod::kDay;
  std::string ToString() const;
};
absl::StatusOr<QuotaRule> ParseQuotaRule(std::string_view text);

// The billing units a quota may count.
bool IsKnownUsageUnit(std::string_view unit);

}  // namespace bulwark
