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

// The trigger patterns; index = Hyperscan pattern id.
const std::vector<TriggerSpec>& TriggerSpecs();

// One Hyperscan match: pattern id and end offset.
struct Trigger {
  uint32_t to;
  uint16_t spec;
};

// Per-scan state handed to the extractors.
struct ScanState {
  std::string_view text;
  std::span<const std::string> phone_regions;
  // End offsets of context words, ascending, per context kind.
  std::array<std::vector<uint32_t>, kNumKinds> context_ends;
  // Per extractor kind: the end of the last span it examined; triggers ending at or
  // before it are skipped, which keeps the work linear.
  std::array<size_t, kNumKinds> processed_end{};
  std::vector<Finding> candidates;

  // True if a context word of `kind` ends within [from, to].
  bool ContextIn(Kind kind, size_t from, size_t to) const;
  // True if a context word of `kind` ends in the `window` bytes before `pos` (or at it).
  bool ContextBefore(Kind kind, size_t pos, size_t window) const {
    return ContextIn(kind, pos > window ? pos - window : 0, pos);
  }
  void Add(PiiType type, size_t start, size_t end, double confidence) {
    candidates.push_back(Finding{type, start, end, confidence});
  }
};

// Runs the extractor for the trigger spec `spec` whose match ended at `to`.
void Extract(const TriggerSpec& spec, size_t to, ScanState& state);

}  // namespace bulwark::privacy::internal
