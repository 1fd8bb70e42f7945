// PhoneValidator must give libphonenumber's own verdict: compared here on numbers built
// from the library's example numbers (every region, every type, formatted several ways,
// with digits changed, dropped and added) and on random digit runs, for '+' numbers and
// for national numbers in every region the scanner tries.
#include "privacy/phone_validator.h"

#include <cstdlib>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <phonenumbers/phonenumberutil.h>

#include "privacy/scanner.h"

namespace bulwark::privacy {
namespace {

using i18n::phonenumbers::PhoneNumber;
using i18n::phonenumbers::PhoneNumberUtil;

bool LibraryInternational(const std::string& written) {
  const PhoneNumberUtil& util = *PhoneNumberUtil::GetInstance();
  PhoneNumber number;
  return util.Parse(written, "ZZ", &number) == PhoneNumberUtil::NO_PARSING_ERROR &&
         util.IsValidNumber(number);
}

bool LibraryForRegion(const std::string& written, const std::string& region) {
  const PhoneNumberUtil& util = *PhoneNumberUtil::GetInstance();
  PhoneNumber number;
  return util.Parse(written, region, &number) == PhoneNumberUtil::NO_PARSING_ERROR &&
         util.IsValidNumberForRegion(number, region);
}

// Re-spaces a digit string the ways people write numbers.
std::string Regroup(const std::string& digits, std::mt19937& random) {
  static constexpr std::string_view kSeparators[] = {" ", "-", ".", "/", " - ", ""};
  const std::string_view separator = kSeparators[random() % std::size(kSeparators)];
  std::string out;
  size_t next_break = 2 + random() % 3;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i == next_break && i + 1 < digits.size()) {
      out += separator;
      next_break += 2 + random() % 3;
    }
    out += digits[i];
  }
  if (random() % 5 == 0 && digits.size() > 6) {
    out = "(" + out.substr(0, 3) + ") " + out.substr(3);
  }
  return out;
}

std::string Mutate(std::string digits, std::mt19937& random) {
  switch (random() % 5) {
    case 0:
      return digits;
    case 1:
      digits[random() % digits.size()] = static_cast<char>('0' + random() % 10);
      return digits;
    case 2:
      if (digits.size() > 4) {
        digits.erase(random() % digits.size(), 1);
      }
      return digits;
    case 3:
      digits.insert(random() % digits.size(), 1, static_cast<char>('0' + random() % 10));
      return digits;
    default:
      for (int i = 0; i < 3; ++i) {
        digits[random() % digits.size()] = static_cast<char>('0' + random() % 10);
      }
      return digits;
  }
}

std::string DigitsOnly(const std::string& s) {
  std::string digits;
  for (char c : s) {
    if (c >= '0' && c <= '9') {
      digits += c;
    }
  }
  return digits;
}

// International and national spellings derived from the library's example numbers.
std::vector<std::string> Candidates(std::mt19937& random, size_t per_example) {
  const PhoneNumberUtil& util = *PhoneNumberUtil::GetInstance();
  std::set<std::string> regions;
  util.GetSupportedRegions(&regions);
  std::vector<std::string> out;
  for (const std::string& region : regions) {
    for (auto type :
         {PhoneNumberUtil::FIXED_LINE, PhoneNumberUtil::MOBILE, PhoneNumberUtil::TOLL_FREE,
          PhoneNumberUtil::PREMIUM_RATE, PhoneNumberUtil::VOIP, PhoneNumberUtil::UAN}) {
      PhoneNumber example;
      if (!util.GetExampleNumberForType(region, type, &example)) {
        continue;
      }
      std::string national;
      util.Format(example, PhoneNumberUtil::NATIONAL, &national);
      const std::string code = std::to_string(example.country_code());
      std::string nsn;
      util.GetNationalSignificantNumber(example, &nsn);
      for (size_t i = 0; i < per_example; ++i) {
        const std::string mutated = Mutate(nsn, random);
        out.push_back("+" + code + " " + Regroup(mutated, random));
        out.push_back(Regroup(Mutate(DigitsOnly(national), random), random));
        // National numbers with the country code or an international prefix in front.
        out.push_back(Regroup(code + mutated, random));
        out.push_back(Regroup((random() % 2 ? "00" : "011") + code + mutated, random));
        // An international prefix followed by 0 is not one (ParsePrefixAsIdd).
        out.push_back(Regroup((random() % 2 ? "00" : "011") + ("0" + mutated), random));
      }
    }
  }
  return out;
}

class PhoneValidatorTest : public ::testing::Test {
 protected:
  // Set BULWARK_PHONE_CASES to compare on more numbers (the default keeps the test short).
  static size_t PerExample() {
    const char* cases = std::getenv("BULWARK_PHONE_CASES");
    return cases != nullptr ? std::strtoul(cases, nullptr, 10) : 2;
  }

  // The scanner's regions; every supported region with BULWARK_PHONE_ALL_REGIONS set.
  static std::vector<std::string> Regions() {
    if (std::getenv("BULWARK_PHONE_ALL_REGIONS") == nullptr) {
      return ScannerOptions{}.phone_regions;
    }
    std::set<std::string> all;
    PhoneNumberUtil::GetInstance()->GetSupportedRegions(&all);
    return {all.begin(), all.end()};
  }

  const std::vector<std::string> regions_ = Regions();
};

TEST_F(PhoneValidatorTest, SameVerdictAsLibphonenumberOnExampleNumbers) {
  std::mt19937 random(20261125);
  const PhoneValidator& validator = PhoneValidator::Get();
  size_t compared = 0;
  size_t valid = 0;
  for (const std::string& written : Candidates(random, PerExample())) {
    if (written[0] == '+') {
      const bool expected = LibraryInternational(written);
      ASSERT_EQ(validator.ValidInternational(written), expected) << written;
      valid += expected ? 1 : 0;
      ++compared;
      continue;
    }
    for (const std::string& region : regions_) {
      const bool expected = LibraryForRegion(written, region);
      ASSERT_EQ(validator.ValidForRegion(written, region), expected) << written << " in " << region;
      valid += expected ? 1 : 0;
      ++compared;
    }
  }
  // Both verdicts must be well represented for the comparison to mean anything.
  EXPECT_GT(compared, 20000u);
  EXPECT_GT(valid, 2000u);
  EXPECT_GT(compared - valid, 2000u);
}

TEST_F(PhoneValidatorTest, SameVerdictAsLibphonenumberOnRandomDigits) {
  std::mt19937 random(7);
  const PhoneValidator& validator = PhoneValidator::Get();
  for (int i = 0; i < 3000; ++i) {
    std::string digits;
    const size_t length = 7 + random() % 9;
    for (size_t k = 0; k < length; ++k) {
      digits += static_cast<char>('0' + random() % 10);
    }
    const std::string written = Regroup(digits, random);
    const std::string international = "+" + written;
    ASSERT_EQ(validator.ValidInternational(international), LibraryInternational(international))
        << international;
    const std::string& region = regions_[random() % regions_.size()];
    ASSERT_EQ(validator.ValidForRegion(written, region), LibraryForRegion(written, region))
        << written << " in " << region;
  }
}

TEST_F(PhoneValidatorTest, KnownNumbers) {
  const PhoneValidator& validator = PhoneValidator::Get();
  EXPECT_TRUE(validator.ValidInternational("+1 415-555-2671"));
  EXPECT_TRUE(validator.ValidInternational("+44 20 7946 0958"));
  EXPECT_FALSE(validator.ValidInternational("+1 000-555-2671"));
  EXPECT_FALSE(validator.ValidInternational("+999 1234 5678"));  // no such calling code
  EXPECT_TRUE(validator.ValidForRegion("(415) 555-2671", "US"));
  EXPECT_TRUE(validator.ValidForRegion("020 7946 0958", "GB"));
  EXPECT_FALSE(validator.ValidForRegion("020 7946 0958", "US"));
  // Shapes outside the fast path get the library's answer all the same.
  EXPECT_EQ(validator.ValidForRegion("415 555 2671 ext. 12", "US"),
            LibraryForRegion("415 555 2671 ext. 12", "US"));
  EXPECT_EQ(validator.ValidInternational("+44 (0) 20 7946 0958"),
            LibraryInternational("+44 (0) 20 7946 0958"));
}

}  // namespace
}  // namespace bulwark::privacy
