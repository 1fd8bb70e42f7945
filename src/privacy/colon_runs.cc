// ScanColonRuns: IPv6 triggers read off the colons. The two kIpv6 patterns are short
// shapes around ':' that cost Hyperscan a quarter of its whole-text pass on JSON and
// prose (every "key": and "12:30" is a candidate); read directly, only the bytes around
// each colon are looked at. See Tier in scanner_internal.h.
#include <cstring>

#include "privacy/scanner_internal.h"
#include "privacy/text_util.h"

namespace bulwark::privacy::internal {
namespace {

// The first and second TriggerSpecs of kind kIpv6: "[0-9A-Fa-f]{1,4}:[0-9A-Fa-f]{0,4}:
// [0-9A-Fa-f]{0,4}" and "::[0-9A-Fa-f]{1,4}", in that order (BuildSpecs).
std::pair<size_t, size_t> Ipv6Specs() {
  const std::vector<TriggerSpec>& specs = TriggerSpecs();
  size_t first = specs.size();
  for (size_t i = 0; i < specs.size(); ++i) {
    if (specs[i].kind == Kind::kIpv6) {
      if (first != specs.size()) {
        return {first, i};
      }
      first = i;
    }
  }
  return {first, specs.size()};
}

// Hex digits immediately before `pos`, counting at most `limit + 1` of them.
size_t HexBefore(std::string_view text, size_t pos, size_t limit) {
  size_t n = 0;
  while (n <= limit && pos > n && IsHex(text[pos - n - 1])) {
    ++n;
  }
  return n;
}

}  // namespace

void ScanColonRuns(std::string_view text, std::vector<Trigger>& triggers) {
  static const auto [three_groups, after_double_colon] = Ipv6Specs();
  triggers.clear();
  uint32_t last_three = 0;
  uint32_t last_double = 0;
  const char* const data = text.data();
  size_t colon = 0;
  while (true) {
    const void* found = std::memchr(data + colon, ':', text.size() - colon);
    if (found == nullptr) {
      break;
    }
    colon = static_cast<size_t>(static_cast<const char*>(found) - data);
    // Every match ends 0-4 hex digits after a colon, at `colon + 1 + k`. For the
    // three-group shape this colon is the second one: before it up to four hex digits,
    // the first colon, and at least one hex digit.
    const size_t before = HexBefore(text, colon, 4);
    const bool first_colon = before <= 4 && colon >= before + 2 &&
                             text[colon - before - 1] == ':' && IsHex(text[colon - before - 2]);
    const bool double_colon = colon >= 1 && text[colon - 1] == ':';
    size_t after = 0;
    while (after < 4 && colon + 1 + after < text.size() && IsHex(text[colon + 1 + after])) {
      ++after;
    }
    for (size_t k = 0; k <= after; ++k) {
      const auto end = static_cast<uint32_t>(colon + 1 + k);
      if (first_colon) {
        RecordTrigger(end, static_cast<uint16_t>(three_groups), last_three, triggers);
      }
      if (double_colon && k >= 1) {
        RecordTrigger(end, static_cast<uint16_t>(after_double_colon), last_double, triggers);
      }
    }
    ++colon;
  }
}

}  // namespace bulwark::privacy::internal
