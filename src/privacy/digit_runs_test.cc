// The scan's tiers: digit runs, colon runs (IPv6), windows for the near-digit patterns, and context
// words found lazily per chunk (which must behave as if the whole text had been scanned).
#include <algorithm>
#include <map>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <hs/hs.h>

#include "privacy/scanner.h"
#include "privacy/scanner_internal.h"

namespace bulwark::privacy {
namespace {

using internal::DigitRuns;
using internal::Kind;
using internal::ScanDigitRuns;

std::vector<std::pair<Kind, uint32_t>> Triggers(const DigitRuns& runs) {
  std::vector<std::pair<Kind, uint32_t>> out;
  for (const internal::Trigger& t : runs.triggers) {
    out.emplace_back(internal::TriggerSpecs()[t.spec].kind, t.to);
  }
  return out;
}

TEST(DigitRuns, NumberTriggersAtItsSeventhDigit) {
  const std::string text = "call 415-555-2671 today";
  const DigitRuns runs = ScanDigitRuns(text);
  // "415-555-2" ends at offset 14: the seventh digit.
  EXPECT_EQ(Triggers(runs), (std::vector<std::pair<Kind, uint32_t>>{{Kind::kNumeric, 14}}));
  EXPECT_TRUE(runs.windows.empty());
}

TEST(DigitRuns, EveryDottedQuadOfARunTriggers) {
  const std::string text = "hosts 10.0.0.1 10.0.0.22 and 1.2.3";
  const DigitRuns runs = ScanDigitRuns(text);
  std::vector<std::pair<Kind, uint32_t>> ipv4;
  for (const auto& trigger : Triggers(runs)) {
    if (trigger.first == Kind::kIpv4) {
      ipv4.push_back(trigger);
    }
  }
  EXPECT_EQ(ipv4, (std::vector<std::pair<Kind, uint32_t>>{{Kind::kIpv4, 14}, {Kind::kIpv4, 24}}));
}

TEST(DigitRuns, ProseNumbersNeedNoPatternPass) {
  const std::string text =
      "Version 3.12.4 ships for $29.99 on 16:9 screens, 15% off for teams of 10 or more, "
      "rendering in 2 minutes at 1080p.";
  const DigitRuns runs = ScanDigitRuns(text);
  EXPECT_TRUE(runs.triggers.empty());
  EXPECT_TRUE(runs.windows.empty());
}

TEST(DigitRuns, WindowsCoverIbansAndStreetAddresses) {
  const std::string text = "pay GB82 WEST 1234 5698 7654 32 or visit 350 5th Avenue, New York";
  const DigitRuns runs = ScanDigitRuns(text);
  ASSERT_FALSE(runs.windows.empty());
  const auto covered = [&](std::string_view needle) {
    const size_t at = text.find(needle);
    for (const internal::Window& w : runs.windows) {
      if (w.begin <= at && at + needle.size() <= w.end) {
        return true;
      }
    }
    return false;
  };
  EXPECT_TRUE(covered("GB82 WEST"));
  EXPECT_TRUE(covered("350 5th Avenue"));
  for (size_t i = 1; i < runs.windows.size(); ++i) {
    EXPECT_LT(runs.windows[i - 1].end, runs.windows[i].begin);  // sorted, disjoint
  }
}

// What Hyperscan reports for the kIpv6 patterns, with the scanner's dropping of a match
// that ends right after the same pattern's previous one.
std::vector<internal::Trigger> HyperscanIpv6Triggers(const std::string& text);

hs_database_t* CompileIpv6Patterns() {
  const std::vector<internal::TriggerSpec>& specs = internal::TriggerSpecs();
  std::vector<const char*> patterns;
  std::vector<unsigned> flags;
  std::vector<unsigned> ids;
  for (size_t i = 0; i < specs.size(); ++i) {
    if (specs[i].kind == Kind::kIpv6) {
      patterns.push_back(specs[i].pattern.c_str());
      flags.push_back(specs[i].flags);
      ids.push_back(static_cast<unsigned>(i));
    }
  }
  hs_database_t* database = nullptr;
  hs_compile_error_t* error = nullptr;
  EXPECT_EQ(hs_compile_multi(patterns.data(), flags.data(), ids.data(),
                             static_cast<unsigned>(patterns.size()), HS_MODE_BLOCK, nullptr,
                             &database, &error),
            HS_SUCCESS);
  return database;
}

std::vector<internal::Trigger> HyperscanIpv6Triggers(const std::string& text) {
  static hs_database_t* const database = CompileIpv6Patterns();
  static hs_scratch_t* const scratch = [] {
    hs_scratch_t* allocated = nullptr;
    EXPECT_EQ(hs_alloc_scratch(database, &allocated), HS_SUCCESS);
    return allocated;
  }();
  struct Collected {
    std::vector<internal::Trigger> triggers;
    std::map<unsigned, unsigned long long> last;
  } collected;
  hs_scan(
      database, text.data(), static_cast<unsigned>(text.size()), 0, scratch,
      [](unsigned id, unsigned long long, unsigned long long to, unsigned, void* context) {
        auto* c = static_cast<Collected*>(context);
        auto [it, first] = c->last.emplace(id, to);
        if (first || to != it->second + 1) {
          c->triggers.push_back(
              internal::Trigger{static_cast<uint32_t>(to), static_cast<uint16_t>(id)});
        }
        it->second = to;
        return 0;
      },
      &collected);
  std::sort(collected.triggers.begin(), collected.triggers.end(), internal::TriggerBefore);
  return collected.triggers;
}

// ScanColonRuns stands in for Hyperscan: on random text made of hex digits, colons and a
// few other bytes it must report exactly the same triggers.
TEST(ColonRuns, SameTriggersAsHyperscan) {
  std::mt19937 random(7);
  const std::string alphabet = "0123456789abcdefABCDEF::::::gz. \n";
  std::vector<internal::Trigger> colon_triggers;
  for (int round = 0; round < 2000; ++round) {
    std::string text(1 + random() % 80, ' ');
    for (char& c : text) {
      c = alphabet[random() % alphabet.size()];
    }
    internal::ScanColonRuns(text, colon_triggers);
    const std::vector<internal::Trigger> expected = HyperscanIpv6Triggers(text);
    ASSERT_EQ(colon_triggers.size(), expected.size()) << "text: " << text;
    for (size_t i = 0; i < expected.size(); ++i) {
      EXPECT_EQ(colon_triggers[i].to, expected[i].to) << "text: " << text;
      EXPECT_EQ(colon_triggers[i].spec, expected[i].spec) << "text: " << text;
    }
  }
  internal::ScanColonRuns("2001:db8::1 and 12:30:45", colon_triggers);
  EXPECT_FALSE(colon_triggers.empty());
}

// Context words are scanned per 256-byte chunk on demand; a word on either side of a
// chunk edge, or cut by one, must count exactly as in a whole-text scan.
TEST(LazyContext, ContextWordsCountAcrossChunkEdges) {
  auto scanner = Scanner::Create();
  ASSERT_TRUE(scanner.ok()) << scanner.status();
  for (size_t pad = 230; pad < 290; ++pad) {
    const std::string text = std::string(pad, 'x') + " my ssn is 536-22-1234.";
    auto findings = (*scanner)->Scan(text);
    ASSERT_TRUE(findings.ok()) << findings.status();
    ASSERT_EQ(findings->size(), 1u) << "pad " << pad;
    EXPECT_EQ((*findings)[0].type, PiiType::kUsSsn);
    EXPECT_DOUBLE_EQ((*findings)[0].confidence, 0.98) << "ssn context missed at pad " << pad;
  }
  // And a context word glued into a longer word is not one ("tin" in "xtin"), wherever
  // the chunk edges and the scanned window's start fall.
  for (size_t pad = 200; pad < 270; ++pad) {
    for (size_t gap = 1; gap < 44; gap += 6) {
      const std::string text =
          std::string(pad, ' ') + "xtin" + std::string(gap, ' ') + "536-22-1234";
      auto findings = (*scanner)->Scan(text);
      ASSERT_TRUE(findings.ok());
      ASSERT_EQ(findings->size(), 1u);
      EXPECT_DOUBLE_EQ((*findings)[0].confidence, 0.85)
          << "false context at pad " << pad << " gap " << gap;
    }
  }
}

// In dense text the context chunks are asked for one after another and read ahead in
// growing runs, per context kind. Lines that cannot see each other's context words must
// then give exactly what each line gives alone, wherever it sits, and a scan that reuses
// a pooled workspace must give the same as a fresh one.
TEST(LazyContext, ReadaheadInDenseTextMatchesLineByLine) {
  auto scanner = Scanner::Create();
  ASSERT_TRUE(scanner.ok());
  const std::vector<std::string> lines = {
      "call +1 415-555-2671 or card 4111 1111 1111 1111, ssn 536-22-1234, order 4155552671",
      "tracking 123456789 for 536-22-1234 and 415 555 2671 from 10.0.0.1 (v 10.0.0.2)",
      "Contact Sarah Johnson at sarah@example.com, IBAN DE89 3704 0044 0532 0130 00",
  };
  std::string text;
  std::vector<Finding> expected;
  for (size_t i = 0; text.size() < 100'000; ++i) {
    const std::string& line = lines[i % lines.size()];
    auto alone = (*scanner)->Scan(line);
    ASSERT_TRUE(alone.ok());
    ASSERT_FALSE(alone->empty());
    for (Finding f : *alone) {
      f.start += text.size();
      f.end += text.size();
      expected.push_back(f);
    }
    text += line;
    text += std::string(64, ' ') + "\n";  // beyond every context window
  }
  for (int round = 0; round < 2; ++round) {
    auto findings = (*scanner)->Scan(text);
    ASSERT_TRUE(findings.ok());
    ASSERT_EQ(findings->size(), expected.size()) << "round " << round;
    for (size_t i = 0; i < expected.size(); ++i) {
      EXPECT_EQ((*findings)[i].type, expected[i].type) << i;
      EXPECT_EQ((*findings)[i].start, expected[i].start) << i;
      EXPECT_EQ((*findings)[i].end, expected[i].end) << i;
      ASSERT_DOUBLE_EQ((*findings)[i].confidence, expected[i].confidence) << i;
    }
  }
}

TEST(LazyContext, GreetingsFindBareFirstNames) {
  auto scanner = Scanner::Create();
  ASSERT_TRUE(scanner.ok());
  const std::string text = "Hi Sarah, thanks!\nBest,\nRobert Brown\nWelcome to spring.";
  auto findings = (*scanner)->Scan(text);
  ASSERT_TRUE(findings.ok());
  std::vector<std::string> names;
  for (const Finding& f : *findings) {
    if (f.type == PiiType::kPerson) {
      names.emplace_back(text.substr(f.start, f.end - f.start));
    }
  }
  EXPECT_EQ(names, (std::vector<std::string>{"Sarah", "Robert Brown"}));
}

}  // namespace
}  // namespace bulwark::privacy
