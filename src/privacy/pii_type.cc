#include "privacy/pii_type.h"

#include <array>
#include <cctype>
#include <string>

namespace bulwark::privacy {
namespace {

constexpr std::array<std::string_view, kNumPiiTypes> kNames = {
    "EMAIL",         "PHONE",      "CREDIT_CARD",    "IBAN",
    "US_SSN",        "IP_ADDRESS", "API_KEY",        "URL_WITH_CREDENTIALS",
    "DATE_OF_BIRTH", "PERSON",     "POSTAL_ADDRESS",
};

}  // namespace

std::string_view PiiTypeName(PiiType type) {
  const auto index = static_cast<size_t>(type);
  return index < kNames.size() ? kNames[index] : std::string_view("UNKNOWN");
}

std::optional<PiiType> ParsePiiType(std::string_view name) {
  std::string upper(name);
  for (char& c : upper) {
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  for (size_t i = 0; i < kNames.size(); ++i) {
    if (kNames[i] == upper) {
      return static_cast<PiiType>(i);
    }
  }
  return std::nullopt;
}

}  // namespace bulwark::privacy
