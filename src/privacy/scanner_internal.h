// File: scanner_internal.h
// Pieces of the scanner shared between scanner.cc (the Hyperscan pass, overlap
// resolution) and extractors.cc (turning a trigger into validated candidates).
// Not part of the public API.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "privacy/phone_verdicts.h"
#include "privacy/pii_type.h"

namespace bulwark::privacy::internal {

// What a trigger pattern means. Extractor kinds produce candidates; context kinds only
// record where a context word ended.
enum class Kind : uint8_t {
  kEmail,
  kUrlCredentials,
  kNumeric,
  kIpv4,
  kIpv6,
  kIban,
  kKeyPrefix,
  kPem,
  kSecretContext,
  kBirthContext,
  kTitle,
  kIntro,
  kFirstName,
  kStreetSuffix,
  kGermanStreet,
  kCtxPhone,
  kCtxCard,
  kCtxSsn,
  kCtxNegative,
  kCtxVersion,
  kCtxHash,
};
inline constexpr int kNumKinds = static_cast<int>(Kind::kCtxHash) + 1;
inline constexpr int kFirstContextKind = static_cast<int>(Kind::kCtxPhone);

struct TriggerSpec {
  Kind kind;
  std::string pattern;
  unsigned flags;  // Hyperscan flags
  int arg;         // kind-specific (index into the key format table for kKeyPrefix)
};

// The trigger patterns; index = Hyperscan pattern id. At most kMaxTriggerSpecs of them
// (the scan keeps per-pattern state in a fixed array; Scanner::Create checks).
const std::vector<TriggerSpec>& TriggerSpecs();
inline constexpr size_t kMaxTriggerSpecs = 64;
// The longest match a context pattern may have: context words are scanned per chunk with
// this much of the text before it (Scanner::Create checks every context pattern).
inline constexpr size_t kMaxContextWord = 40;

// Which pass looks for a trigger kind. Hyperscan slows down sharply when cheap shapes
// (digit classes, short context words) share a database with the literal anchors, so:
//  - kWholeText: literal-anchored patterns (emails, key prefixes, names...), one
//    Hyperscan pass over the whole text;
//  - kDigitRuns: numbers and IPv4 addresses, read directly off the runs of digits by
//    ScanDigitRuns (their patterns document the shape; they are not compiled);
//  - kColonRuns: IPv6 shapes, read directly off the colons by ScanColonRuns (likewise);
//  - kNearDigits: IBANs and street addresses, a Hyperscan pass over small windows around
//    the digit runs that could start or end one;
//  - kContext: context words, one database per context kind, scanned lazily per chunk
//    and kind when an extractor asks (most numbers need one or two kinds, and the
//    cost of a Hyperscan pass grows with every pattern in its database).
enum class Tier : uint8_t { kWholeText, kDigitRuns, kColonRuns, kNearDigits, kContext };
Tier TierOf(Kind kind);

// One Hyperscan match: pattern id and end offset.
struct Trigger {
  uint32_t to;
  uint16_t spec;
};

// Text order for triggers: by end offset, then by pattern.
inline bool TriggerBefore(const Trigger& a, const Trigger& b) {
  return a.to != b.to ? a.to < b.to : a.spec < b.spec;
}

// Records a match of one pattern ending at `end`, as every trigger source does: a match
// that ends right after the same pattern's previous one is the same run and is dropped
// (the extractor of the first one examines the whole run). `last_end` is the pattern's.
inline void RecordTrigger(uint32_t end, uint16_t spec, uint32_t& last_end,
                          std::vector<Trigger>& triggers) {
  const bool continuation = last_end != 0 && end == last_end + 1;
  last_end = end;
  if (!continuation) {
    triggers.push_back(Trigger{end, spec});
  }
}

// A half-open byte range of the text.
struct Window {
  size_t begin;
  size_t end;
};

// What ScanDigitRuns finds. A run is digits joined by at most two of " -./()", which is
// how the kNumeric pattern reads them.
struct DigitRuns {
  // kNumeric triggers (a run with seven or more digits, at its seventh digit) and kIpv4
  // triggers (four dot-separated groups), ascending. Trigger::spec is the index of the
  // first TriggerSpec of that kind.
  std::vector<Trigger> triggers;
  // Sorted, disjoint windows for the kNearDigits patterns: around runs right after two
  // capital letters (an IBAN) or followed by a capitalised word (a house number), widened
  // to word boundaries so that \b behaves as in the text.
  std::vector<Window> windows;
};
// Fills `runs` (cleared first) for `text`.
void ScanDigitRuns(std::string_view text, DigitRuns& runs);
DigitRuns ScanDigitRuns(std::string_view text);

// Fills `triggers` (cleared first) with the kIpv6 triggers of `text`: exactly the end
// offsets at which Hyperscan would report the two kIpv6 patterns, with the same dropping
// of a match that ends right after the pattern's previous one.
void ScanColonRuns(std::string_view text, std::vector<Trigger>& triggers);

// The buffers one scan fills. They are kept between scans, with the Hyperscan scratch,
// so that scanning a long text does not allocate and fault in fresh pages for each of
// them every time.
struct ScanBuffers {
  std::vector<Trigger> triggers;         // the whole-text pass's; then every trigger, in order
  std::vector<Trigger> window_triggers;  // the kNearDigits windows'
  std::vector<Trigger> colon_triggers;   // ScanColonRuns'
  std::vector<Trigger> merged;           // room for merging the sources
  DigitRuns digit_runs;
  std::vector<Finding> candidates;
  // Context words (see ScanState).
  std::vector<uint8_t> chunk_scanned;
  std::array<std::vector<uint32_t>, kNumKinds> context_ends;
  std::vector<uint32_t> found;
};

// Finds the context words of `kind` in text[window.begin, window.end) and appends the
// offsets where they end to `ends`, ascending. Implemented by the scanner.
class ContextFinder {
 public:
  virtual ~ContextFinder() = default;
  virtual void Find(std::string_view text, Window window, Kind kind,
                    std::vector<uint32_t>& ends) const = 0;
};

// Per-scan state handed to the extractors.
class ScanState {
 public:
  // Clears the per-scan parts of `buffers`, which the state then uses.
  ScanState(std::string_view scanned, std::span<const std::string> regions, PhoneVerdicts& verdicts,
            const ContextFinder& context_finder, ScanBuffers& buffers);

  std::string_view text;
  std::span<const std::string> phone_regions;
  PhoneVerdicts& phone_verdicts;  // shared by every scan of the scanner
  // Per extractor kind: the end of the last span it examined; triggers ending at or
  // before it are skipped, which keeps the work linear.
  std::array<size_t, kNumKinds> processed_end{};
  std::vector<Finding>& candidates;  // in ScanBuffers

  // True if a context word of `kind` ends within [from, to]. Scans the chunks around
  // the range for context words on first use.
  bool ContextIn(Kind kind, size_t from, size_t to);
  // True if a context word of `kind` ends in the `window` bytes before `pos` (or at it).
  bool ContextBefore(Kind kind, size_t pos, size_t window) {
    return ContextIn(kind, pos > window ? pos - window : 0, pos);
  }
  void Add(PiiType type, size_t start, size_t end, double confidence) {
    candidates.push_back(Finding{type, start, end, confidence});
  }

 private:
  static constexpr size_t kChunk = 256;
  static constexpr size_t kMaxReadahead = 64;  // chunks: 16 KB
  static_assert(kNumKinds - kFirstContextKind <= 8, "one bit per context kind in a chunk's byte");
  void EnsureContext(Kind kind, size_t chunk);

  const ContextFinder& context_finder_;
  // In ScanBuffers: per chunk, one bit per context kind, set once the chunk was scanned
  // for that kind; per context kind, the end offsets of its words found so far,
  // ascending; one Find's results.
  std::vector<uint8_t>& chunk_scanned_;
  std::array<std::vector<uint32_t>, kNumKinds>& context_ends_;
  std::vector<uint32_t>& found_;
  // Per context kind: readahead state (see EnsureContext).
  std::array<size_t, kNumKinds> next_sequential_chunk_{};
  std::array<size_t, kNumKinds> readahead_{};
};

// Runs the extractor for the trigger spec `spec` whose match ended at `to`.
void Extract(const TriggerSpec& spec, size_t to, ScanState& state);

}  // namespace bulwark::privacy::internal
