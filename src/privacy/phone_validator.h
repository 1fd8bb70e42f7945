// File: phone_validator.h
// libphonenumber's verdict on a phone number, computed from libphonenumber's own metadata
// with RE2. The library itself matches through ICU regular expressions at 20-60 us a
// number, which made a text full of new phone numbers scan at ~10 MB/s; the same
// decisions over RE2 cost about a microsecond.
//
// It answers exactly what these libphonenumber calls answer:
//   ValidInternational(s)   Parse(s, "ZZ") == NO_PARSING_ERROR && IsValidNumber(...)
//   ValidForRegion(s, r)    Parse(s, r) == NO_PARSING_ERROR && IsValidNumberForRegion(..., r)
// for the strings the scanner hands it: ASCII digits with the separators " -./()" and at
// most a leading '+', up to 64 bytes. Anything else (letters, extensions, other
// punctuation, longer strings) is passed to libphonenumber itself. phone_validator_test
// compares the two on generated numbers for every region the scanner uses.
#pragma once

#include <memory>
#include <string_view>

namespace bulwark::privacy {

class PhoneValidator {
 public:
  // The process-wide validator. Parses the metadata on first use; each region's patterns
  // are compiled the first time a number needs them.
  static const PhoneValidator& Get();

  // For a number written with a leading '+'.
  bool ValidInternational(std::string_view written) const;
  // For a number as written in `region` (an ISO 3166 code such as "GB").
  bool ValidForRegion(std::string_view written, std::string_view region) const;
  // Compiles `region`'s patterns now rather than for the first number that needs them
  // (about half a millisecond), so that no request waits for it.
  void Prepare(std::string_view region) const;

  ~PhoneValidator();
  PhoneValidator(const PhoneValidator&) = delete;
  PhoneValidator& operator=(const PhoneValidator&) = delete;

 private:
  PhoneValidator();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace bulwark::privacy
