// File: units.h
// Parsing of the contract's durations ("30s", "15m", "24h", "30d"), sizes (bytes, or
// "512KiB"/"1MiB"/"1GiB") and rates ("N/s", "N/m", "N/h", "N/d"). Strict: anything else is
// InvalidArgument with a message that names the accepted forms.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace bulwark {

// REQUIRES nothing. `allow_zero` admits "0s" (used by `keys rotate --grace`).
absl::StatusOr<std::chrono::seconds> ParseDuration(std::string_view text, bool allow_zero = false);
std::string FormatDuration(std::chrono::seconds d);

absl::StatusOr<uint64_t> ParseSize(std::string_view text);

struct Rate {
  uint64_t count = 0;
  std::chrono::seconds period{1};
  std::string ToString() const;
  friend bool operator==(const Rate&, const Rate&) = default;
};
absl::StatusOr<Rate> ParseRate(std::string_view text);

}  // namespace bulwark
