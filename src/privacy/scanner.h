// File: scanner.h
// PII detection over plain text.
//
//   ASSIGN_OR_RETURN(auto scanner, Scanner::Create());
//   ASSIGN_OR_RETURN(std::vector<Finding> findings, scanner->Scan(text));
//
// A scan finds triggers (cheap shapes such as "x@y", "://", digit runs, key prefixes,
// context words) with Hyperscan and a few direct byte scans, then validators parse each
// candidate locally: Luhn and issuer ranges for cards, mod-97 for IBANs, libphonenumber's
// metadata for phone numbers, inet_pton for IPv6, calendar checks for dates. Context words
// nearby raise or lower a candidate's confidence.
// Work per byte is bounded: every validator looks at a bounded window and each extractor
// skips triggers that fall inside a span it has already examined.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "privacy/pii_type.h"

namespace bulwark::privacy {

struct ScannerOptions {
  // Types to report. Default: empty, meaning every type.
  std::vector<PiiType> types;
  // Findings below this confidence are dropped. Default: 0.5.
  double min_confidence = 0.5;
  // Regions (ISO 3166 codes) tried, in order, for phone numbers written without a
  // leading '+'. Default: a list of common regions starting with US.
  std::vector<std::string> phone_regions = {"US", "GB", "DE", "FR", "IN", "AU",
                                            "ES", "IT", "NL", "BR", "MX", "JP"};
};

// Detects PII in text. Immutable after Create; Scan may be called from many threads at once.
class Scanner {
 public:
  // Compiles the trigger patterns. Fails with kInternal if Hyperscan rejects them (which
  // would be a bug) and kInvalidArgument for unknown phone regions.
  static absl::StatusOr<std::unique_ptr<Scanner>> Create(const ScannerOptions& options = {});

  ~Scanner();
  Scanner(const Scanner&) = delete;
  Scanner& operator=(const Scanner&) = delete;

  // Returns the findings in `text`, sorted by start and non-overlapping (where candidates
  // overlap, the more confident, then the longer, wins). Fails with kInvalidArgument for
  // inputs of 4 GiB or more and kInternal if the pattern engine fails.
  absl::StatusOr<std::vector<Finding>> Scan(std::string_view text) const;

  const ScannerOptions& options() const { return options_; }

 private:
  struct Impl;
  Scanner(ScannerOptions options, std::unique_ptr<Impl> impl);

  ScannerOptions options_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace bulwark::privacy
