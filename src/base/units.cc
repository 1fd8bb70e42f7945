#include "base/units.h"

#include <charconv>
#include <limits>

#include <fmt/format.h>

namespace bulwark {
namespace {

// Parses a non-empty run of ASCII digits with no sign, no spaces and no overflow.
bool ParseUnsigned(std::string_view digits, uint64_t* out) {
  if (digits.empty() || digits.size() > 19) return false;
  for (char c : digits) {
    if (c < '0' || c > '9') return false;
  }
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), *out);
  return ec == std::errc() && ptr == digits.data() + digits.size();
}

bool UnitSeconds(char unit, uint64_t* seconds) {
  switch (unit) {
    case 's':
      *seconds = 1;
      return true;
    case 'm':
      *seconds = 60;
      return true;
    case 'h':
      *seconds = 3600;
      return true;
    case 'd':
      *seconds = 86400;
      return true;
    default:
      return false;
  }
}

}  // namespace

absl::StatusOr<std::chrono::seconds> ParseDuration(std::string_view text, bool allow_zero) {
  auto bad = [&] {
    return absl::InvalidArgumentError(
        fmt::format("invalid duration '{}': use a number with s, m, h or d, e.g. 30s", text));
  };
  if (text.size() < 2) return bad();
  uint64_t n = 0, unit = 0;
  if (!UnitSeconds(text.back(), &unit) || !ParseUnsigned(text.substr(0, text.size() - 1), &n)) {
    return bad();
  }
  if (n == 0 && !allow_zero) return bad();
  constexpr uint64_t kMaxSeconds = 100ULL * 365 * 86400;  // a century is plenty
  if (n > kMaxSeconds / unit) return bad();
  return std::chrono::seconds(static_cast<int64_t>(n * unit));
}

std::string FormatDuration(std::chrono::seconds d) {
  int64_t s = d.count();
  if (s != 0 && s % 86400 == 0) return fmt::format("{}d", s / 86400);
  if (s != 0 && s % 3600 == 0) return fmt::format("{}h", s / 3600);
  if (s != 0 && s % 60 == 0) return fmt::format("{}m", s / 60);
  return fmt::format("{}s", s);
}

absl::StatusOr<uint64_t> ParseSize(std::string_view text) {
  auto bad = [&] {
    return absl::InvalidArgumentError(
        fmt::format("invalid size '{}': use a byte count or a number with KiB, MiB or GiB", text));
  };
  uint64_t multiplier = 1;
  std::string_view digits = text;
  if (text.size() > 3) {
    std::string_view suffix = text.substr(text.size() - 3);
    if (suffix == "KiB") multiplier = 1ULL << 10;
    if (suffix == "MiB") multiplier = 1ULL << 20;
    if (suffix == "GiB") multiplier = 1ULL << 30;
    if (multiplier != 1) digits = text.substr(0, text.size() - 3);
  }
  uint64_t n = 0;
  if (!ParseUnsigned(digits, &n)) return bad();
  if (n > std::numeric_limits<uint64_t>::max() / multiplier) return bad();
  return n * multiplier;
}

std::string Rate::ToString() const {
  uint64_t s = static_cast<uint64_t>(period.count());
  char unit = s == 86400 ? 'd' : s == 3600 ? 'h' : s == 60 ? 'm' : 's';
  return fmt::format("{}/{}", count, unit);
}

absl::StatusOr<Rate> ParseRate(std::string_view text) {
  auto bad = [&] {
    return absl::InvalidArgumentError(
        fmt::format("invalid rate '{}': use N/s, N/m, N/h or N/d, e.g. 10/s", text));
  };
  size_t slash = text.find('/');
  if (slash == std::string_view::npos || slash + 2 != text.size()) return bad();
  uint64_t n = 0, unit = 0;
  if (!ParseUnsigned(text.substr(0, slash), &n) || n == 0 || !UnitSeconds(text.back(), &unit)) {
    return bad();
  }
  if (n > 1'000'000'000ULL) return bad();
  return Rate{n, std::chrono::seconds(static_cast<int64_t>(unit))};
}

}  // namespace bulwark
