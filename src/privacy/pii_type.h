// File: pii_type.h
// The PII types bulwark detects, their contract names ("EMAIL", "PHONE", ...) and a
// Finding: one detected span of text.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace bulwark::privacy {

// The contract's PII types (CONTRACT.md section 2). kPerson and kPostalAddress are found
// from context words and name lists and carry a lower confidence than the validated types.
enum class PiiType {
  kEmail,
  kPhone,
  kCreditCard,
  kIban,
  kUsSsn,
  kIpAddress,
  kApiKey,
  kUrlWithCredentials,
  kDateOfBirth,
  kPerson,
  kPostalAddress,
};

inline constexpr int kNumPiiTypes = 11;

// "EMAIL", "PHONE", "CREDIT_CARD", "IBAN", "US_SSN", "IP_ADDRESS", "API_KEY",
// "URL_WITH_CREDENTIALS", "DATE_OF_BIRTH", "PERSON", "POSTAL_ADDRESS".
std::string_view PiiTypeName(PiiType type);

// Inverse of PiiTypeName; also accepts lower case. nullopt for an unknown name.
std::optional<PiiType> ParsePiiType(std::string_view name);

// One detected span: byte offsets into the scanned text, end exclusive. confidence is in
// (0, 1]; validated formats (Luhn, mod-97, libphonenumber) score 0.9 and above, context
// based types (PERSON, POSTAL_ADDRESS) 0.5-0.7.
struct Finding {
  PiiType type;
  size_t start;
  size_t end;
  double confidence;

  friend bool operator==(const Finding&, const Finding&) = default;
};

}  // namespace bulwark::privacy
