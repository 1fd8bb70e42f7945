// ScanDigitRuns: numbers, IPv4 addresses and the places where IBANs and street addresses
// can start, read off the runs of digits. Prose is mostly letters, so skipping to the
// next digit sixteen bytes at a time and judging each run by its shape keeps the digit
// patterns off most of the text; see Tier in scanner_internal.h.
#include <algorithm>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "privacy/scanner_internal.h"
#include "privacy/text_util.h"

namespace bulwark::privacy::internal {
namespace {

// Digits a number needs before the numeric extractors look at it (kNumeric's {6} + 1).
constexpr size_t kNumericDigits = 7;
// Bytes kept before a run (an IBAN's country code) and after it (an IBAN's next group,
// or the street words and suffix after a house number).
constexpr size_t kBefore = 8;
constexpr size_t kAfterIban = 16;
constexpr size_t kAfterHouseNumber = 112;
// Windows closer than this are scanned as one: a Hyperscan call has a fixed cost.
constexpr size_t kMergeGap = 64;
// Bound on widening a window to a word boundary.
constexpr int kMaxWiden = 64;

size_t NextDigit(std::string_view text, size_t pos) {
  const size_t n = text.size();
#if defined(__SSE2__)
  const __m128i below = _mm_set1_epi8('0' - 1);
  const __m128i above = _mm_set1_epi8('9' + 1);
  while (pos + 16 <= n) {
    const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(text.data() + pos));
    // Signed compares: bytes >= 0x80 are negative and so never count as digits.
    const __m128i digit = _mm_and_si128(_mm_cmpgt_epi8(bytes, below), _mm_cmplt_epi8(bytes, above));
    const int mask = _mm_movemask_epi8(digit);
    if (mask != 0) {
      return pos + static_cast<size_t>(__builtin_ctz(static_cast<unsigned>(mask)));
    }
    pos += 16;
  }
#endif
  while (pos < n && !IsDigit(text[pos])) {
    ++pos;
  }
  return pos;
}

bool IsNumberSeparator(char c) {
  return c == ' ' || c == '-' || c == '.' || c == '/' || c == '(' || c == ')';
}

size_t FirstSpecOf(Kind kind) {
  const std::vector<TriggerSpec>& specs = TriggerSpecs();
  for (size_t i = 0; i < specs.size(); ++i) {
    if (specs[i].kind == kind) {
      return i;
    }
  }
  return specs.size();
}

struct Group {
  size_t begin;
  size_t end;
  bool after_single_dot;  // joined to the previous group by exactly "."
};

// Adds a kIpv4 trigger at the end of each "\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}" in the
// run ("10.0.0.1 10.0.0.2" is one run and two addresses).
void AddDottedQuads(const std::vector<Group>& groups, uint16_t spec,
                    std::vector<Trigger>& triggers) {
  size_t i = 0;
  while (i + 3 < groups.size()) {
    bool quad = true;
    for (size_t k = i + 1; k <= i + 3; ++k) {
      const size_t length = groups[k].end - groups[k].begin;
      quad = quad && groups[k].after_single_dot && (k == i + 3 || length <= 3);
    }
    if (!quad) {
      ++i;
      continue;
    }
    const size_t end = std::min(groups[i + 3].end, groups[i + 3].begin + 3);
    triggers.push_back(Trigger{static_cast<uint32_t>(end), spec});
    i += 4;
  }
}

}  // namespace

DigitRuns ScanDigitRuns(std::string_view text) {
  DigitRuns runs;
  ScanDigitRuns(text, runs);
  return runs;
}

void ScanDigitRuns(std::string_view text, DigitRuns& found) {
  static const size_t numeric_spec = FirstSpecOf(Kind::kNumeric);
  static const size_t ipv4_spec = FirstSpecOf(Kind::kIpv4);
  found.triggers.clear();
  found.windows.clear();
  std::vector<Group> groups;
  const size_t n = text.size();
  size_t pos = NextDigit(text, 0);
  while (pos < n) {
    // Most runs in prose are one short group ("45 seconds", "$29.99"): walk the run first,
    // counting digits and groups, and keep the groups only when a dotted quad is possible.
    const size_t start = pos;
    size_t digits = 0;
    size_t numeric_end = 0;  // just after the seventh digit
    size_t first_group = 0;
    size_t group_count = 0;
    size_t single_dots = 0;
    size_t end = pos;
    while (true) {
      const size_t begin = end;
      while (end < n && IsDigit(text[end])) {
        ++end;
      }
      if (digits < kNumericDigits && digits + (end - begin) >= kNumericDigits) {
        numeric_end = begin + (kNumericDigits - digits);
      }
      digits += end - begin;
      first_group = group_count == 0 ? end - begin : first_group;
      ++group_count;
      size_t next = end;
      while (next < n && next - end < 2 && IsNumberSeparator(text[next])) {
        ++next;
      }
      if (next == end || next >= n || !IsDigit(text[next])) {
        break;
      }
      single_dots += next == end + 1 && text[end] == '.' ? 1 : 0;
      end = next;
    }
    const size_t first_trigger = found.triggers.size();
    if (numeric_end != 0) {
      found.triggers.push_back(
          Trigger{static_cast<uint32_t>(numeric_end), static_cast<uint16_t>(numeric_spec)});
    }
    if (group_count >= 4 && single_dots >= 3) {
      groups.clear();
      for (size_t at = start; at < end;) {
        const size_t begin = at;
        while (at < end && IsDigit(text[at])) {
          ++at;
        }
        const bool after_single_dot = begin >= 1 && text[begin - 1] == '.' && begin >= 2 &&
                                      IsDigit(text[begin - 2]) && begin > start;
        groups.push_back(Group{begin, at, after_single_dot});
        while (at < end && !IsDigit(text[at])) {
          ++at;
        }
      }
      AddDottedQuads(groups, static_cast<uint16_t>(ipv4_spec), found.triggers);
      // A quad can end before the number's seventh digit; keep the triggers in order.
      std::sort(found.triggers.begin() + static_cast<std::ptrdiff_t>(first_trigger),
                found.triggers.end(), TriggerBefore);
    }
    const bool iban =
        first_group >= 2 && start >= 2 && IsUpper(text[start - 2]) && IsUpper(text[start - 1]);
    size_t after = end;
    while (after < n && after - end < 2 && IsAlpha(text[after])) {
      ++after;  // "12b", "5th"
    }
    const bool house_number = At(text, after) == ' ' && IsUpper(At(text, after + 1));
    if (iban || house_number) {
      size_t begin = start > kBefore ? start - kBefore : 0;
      for (int steps = 0; begin > 0 && IsWord(text[begin - 1]) && steps < kMaxWiden; ++steps) {
        --begin;
      }
      size_t stop = std::min(n, end + (house_number ? kAfterHouseNumber : kAfterIban));
      for (int steps = 0; stop < n && IsWord(text[stop - 1]) && steps < kMaxWiden; ++steps) {
        ++stop;
      }
      if (!found.windows.empty() && begin <= found.windows.back().end + kMergeGap) {
        found.windows.back().end = std::max(found.windows.back().end, stop);
      } else {
        found.windows.push_back(Window{begin, stop});
      }
    }
    pos = NextDigit(text, end);
  }
}

}  // namespace bulwark::privacy::internal
