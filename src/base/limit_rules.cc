#include "base/limit_rules.h"

#include <charconv>

#include <fmt/format.h>

namespace bulwark {
namespace {

bool ValidOperationName(std::string_view op) {
  if (op.empty() || op.size() > 128) return false;
  size_t colons = 0;
  for (char c : op) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-' || c == ':';
    if (!ok) return false;
    if (c == ':') ++colons;
  }
  return colons <= 1 && op.front() != ':' && op.back() != ':';
}

}  // namespace

std::string RateRule::ToString() const {
  return operation.empty() ? rate.ToString() : fmt::format("{}={}", operation, rate.ToString());
}

bool RateRule::Matches(std::string_view provider, std::string_view op) const {
  if (operation.empty()) return true;
  size_t colon = operation.find(':');
  if (colon == std::string::npos) return operation == op;
  return std::string_view(operation).substr(0, colon) == provider &&
         std::string_view(operation).substr(colon + 1) == op;
}

absl::StatusOr<RateRule> ParseRateRule(std::string_view text) {
  RateRule rule;
  size_t eq = text.find('=');
  std::string_view rate_text = text;
  if (eq != std::string_view::npos) {
    std::string_view op = text.substr(0, eq);
    if (!ValidOperationName(op)) {
      return absl::InvalidArgumentError(
          fmt::format("invalid rate '{}': use N/s, N/m, N/h, N/d or OPERATION=N/PERIOD, e.g. "
                      "video.generate=5/m",
                      text));
    }
    rule.operation = std::string(op);
    rate_text = text.substr(eq + 1);
  }
  auto rate = ParseRate(rate_text);
  if (!rate.ok()) {
    return absl::InvalidArgumentError(fmt::format(
        "invalid rate '{}': use N/s, N/m, N/h, N/d or OPERATION=N/PERIOD, e.g. video.generate=5/m",
        text));
  }
  rule.rate = *rate;
  return rule;
}

bool IsKnownUsageUnit(std::string_view unit) {
  return unit == "requests" || unit == "video_seconds" || unit == "credits";
}

std::string FormatCredits(int64_t hundredths) {
  const char* sign = hundredths < 0 ? "-" : "";
  uint64_t v =
      hundredths < 0 ? 0 - static_cast<uint64_t>(hundredths) : static_cast<uint64_t>(hundredths);
  return fmt::format("{}{}.{:02}", sign, v / 100, v % 100);
}

std::string QuotaRule::ToString() const {
  std::string number = fmt::format("{}", amount);
  if (unit == "credits") {
    // The shortest form that parses back: "1", "0.5", "2.25" (FormatCredits less its
    // trailing zeros; the '.' stops them reaching the integer part).
    number = FormatCredits(static_cast<int64_t>(amount));
    while (number.back() == '0') number.pop_back();
    if (number.back() == '.') number.pop_back();
  }
  std::string body = fmt::format("{}/{}", number, period == QuotaPeriod::kDay ? "d" : "mo");
  return unit == "requests" ? body : fmt::format("{}:{}", unit, body);
}

absl::StatusOr<QuotaRule> ParseQuotaRule(std::string_view text) {
  auto bad = [&] {
    return absl::InvalidArgumentError(fmt::format(
        "invalid quota '{}': use N/d or N/mo (requests), or UNIT:N/d, UNIT:N/mo with UNIT "
        "requests, video_seconds or credits (up to two decimals), e.g. video_seconds:600/d, "
        "credits:12.5/mo",
        text));
  };
  QuotaRule rule;
  std::string_view rest = text;
  if (size_t colon = rest.find(':'); colon != std::string_view::npos) {
    std::string_view unit = rest.substr(0, colon);
    if (!IsKnownUsageUnit(unit)) return bad();
    rule.unit = std::string(unit);
    rest = rest.substr(colon + 1);
  }
  size_t slash = rest.find('/');
  if (slash == std::string_view::npos || slash == 0) return bad();
  std::string_view number = rest.substr(0, slash);
  std::string_view period = rest.substr(slash + 1);
  // Credits take up to two decimals and are kept in hundredths.
  uint64_t scale = 1;
  std::string_view fraction;
  if (rule.unit == "credits") {
    scale = static_cast<uint64_t>(kCreditHundredths);
    if (size_t dot = number.find('.'); dot != std::string_view::npos) {
      fraction = number.substr(dot + 1);
      number = number.substr(0, dot);
      if (fraction.empty() || fraction.size() > 2) return bad();
    }
  }
  uint64_t n = 0;
  auto [p, ec] = std::from_chars(number.data(), number.data() + number.size(), n);
  if (number.empty() || ec != std::errc() || p != number.data() + number.size() ||
      n > 1'000'000'000'000ULL) {
    return bad();
  }
  n *= scale;
  if (!fraction.empty()) {
    uint64_t f = 0;
    auto [fp, fec] = std::from_chars(fraction.data(), fraction.data() + fraction.size(), f);
    if (fec != std::errc() || fp != fraction.data() + fraction.size()) return bad();
    n += fraction.size() == 1 ? f * 10 : f;
  }
  if (n == 0) return bad();
  rule.amount = n;
  if (period == "d") {
    rule.period = QuotaPeriod::kDay;
  } else if (period == "mo") {
    rule.period = QuotaPeriod::kMonth;
  } else {
    return bad();
  }
  return rule;
}

}  // namespace bulwark
