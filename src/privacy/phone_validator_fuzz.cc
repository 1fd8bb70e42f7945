// libFuzzer target: PhoneValidator must give libphonenumber's verdict on every input, in
// its own fast path (digits and " -./()" with an optional leading '+') and for every other
// shape it hands to the library. The first byte picks the region; the rest is the number,
// mapped onto the number alphabet unless the first byte's top bit asks for raw bytes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include <phonenumbers/phonenumberutil.h>

#include "privacy/phone_validator.h"

namespace {

using i18n::phonenumbers::PhoneNumber;
using i18n::phonenumbers::PhoneNumberUtil;

constexpr std::string_view kRegions[] = {"US", "GB", "DE", "FR", "IN", "AU", "ES", "IT",
                                         "NL", "BR", "MX", "JP", "AR", "CA", "CH", "CN"};
constexpr std::string_view kAlphabet = "0123456789012345 -./()+";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2 || size > 48) {
    return 0;
  }
  const std::string region(kRegions[data[0] % std::size(kRegions)]);
  const bool raw = (data[0] & 0x80) != 0;
  std::string written;
  for (size_t i = 1; i < size; ++i) {
    written += raw ? static_cast<char>(data[i]) : kAlphabet[data[i] % kAlphabet.size()];
  }
  const bulwark::privacy::PhoneValidator& validator = bulwark::privacy::PhoneValidator::Get();
  const PhoneNumberUtil& util = *PhoneNumberUtil::GetInstance();
  PhoneNumber number;
  const bool international =
      util.Parse(written, "ZZ", &number) == PhoneNumberUtil::NO_PARSING_ERROR &&
      util.IsValidNumber(number);
  if (validator.ValidInternational(written) != international) {
    std::abort();
  }
  const bool national = util.Parse(written, region, &number) == PhoneNumberUtil::NO_PARSING_ERROR &&
                        util.IsValidNumberForRegion(number, region);
  if (validator.ValidForRegion(written, region) != national) {
    std::abort();
  }
  return 0;
}
