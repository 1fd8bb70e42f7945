// PhoneValidator: libphonenumber's parse-and-validate steps (PhoneNumberUtil::ParseHelper,
// MaybeExtractCountryCode, MaybeStripNationalPrefixAndCarrierCode, TestNumberLength,
// GetNumberTypeHelper, GetRegionCodeForNumberFromRegionList) restated over the library's
// compiled-in metadata, restricted to the input shapes the scanner produces, with RE2 in
// place of ICU regular expressions. Names below follow the library's so that the two can
// be read side by side.
#include "privacy/phone_validator.h"

#include <algorithm>
#include <array>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <phonenumbers/phonemetadata.pb.h>
#include <phonenumbers/phonenumber.pb.h>
#include <phonenumbers/phonenumberutil.h>
#include <re2/re2.h>

#include "absl/container/flat_hash_map.h"

namespace i18n::phonenumbers {
// The compiled-in metadata, exported by libphonenumber (declared in its metadata.h, which
// is not installed).
int metadata_size();
const void* metadata_get();
}  // namespace i18n::phonenumbers

namespace bulwark::privacy {
namespace {

using i18n::phonenumbers::PhoneMetadata;
using i18n::phonenumbers::PhoneNumberDesc;

constexpr size_t kMinLengthForNsn = 2;
constexpr size_t kMaxLengthForNsn = 17;
constexpr size_t kMaxLengthCountryCode = 3;
constexpr std::string_view kNonGeoRegion = "001";

enum class Length { kPossible, kPossibleLocalOnly, kTooShort, kTooLong, kInvalidLength };

std::unique_ptr<RE2> Compile(const std::string& pattern, bool& ok) {
  RE2::Options options;
  options.set_log_errors(false);
  auto re = std::make_unique<RE2>(pattern, options);
  ok = ok && re->ok();
  return re;
}

// libphonenumber's RegExp::Consume(input, &group1, ...) with `groups` groups asked for: a
// match anchored at the start, failing when the pattern has fewer groups than that.
bool Consume(const RE2& re, std::string_view input, int groups,
             std::array<std::string_view, 3>& match) {
  if (re.NumberOfCapturingGroups() < groups) {
    return false;
  }
  std::array<re2::StringPiece, 3> pieces;
  if (!re.Match(re2::StringPiece(input.data(), input.size()), 0, input.size(), RE2::ANCHOR_START,
                pieces.data(), 1 + groups)) {
    return false;
  }
  for (size_t i = 0; i < match.size(); ++i) {
    match[i] = std::string_view(pieces[i].data(), pieces[i].size());
  }
  return true;
}

// One PhoneNumberDesc.
struct Desc {
  std::vector<int> lengths;
  std::unique_ptr<RE2> pattern;  // null when the desc has none: it never matches

  void Load(const PhoneNumberDesc& desc, bool& ok) {
    lengths.assign(desc.possible_length().begin(), desc.possible_length().end());
    if (!desc.national_number_pattern().empty()) {
      pattern = Compile(desc.national_number_pattern(), ok);
    }
  }
  // IsMatch (RegexBasedMatcher::MatchNationalNumber without prefix matches).
  bool Matches(std::string_view number) const {
    return pattern != nullptr &&
           RE2::FullMatch(re2::StringPiece(number.data(), number.size()), *pattern);
  }
  // IsNumberMatchingDesc: the length first, then the pattern.
  bool MatchesWithLength(std::string_view number) const {
    if (!lengths.empty() && std::find(lengths.begin(), lengths.end(),
                                      static_cast<int>(number.size())) == lengths.end()) {
      return false;
    }
    return Matches(number);
  }
};

// One region's metadata, compiled.
struct Region {
  const PhoneMetadata* metadata = nullptr;
  bool usable = true;  // every pattern compiled under RE2
  Desc general;
  // premium rate, toll free, shared cost, VoIP, personal, pager, UAN, voicemail, fixed
  // line, mobile: a valid number matches one of them.
  std::array<Desc, 10> types;
  std::vector<int> local_only_lengths;
  std::unique_ptr<RE2> national_prefix_for_parsing;
  std::string transform_rule;  // in RE2's rewrite syntax (\1, not $1)
  std::unique_ptr<RE2> international_prefix;
  std::unique_ptr<RE2> leading_digits;

  explicit Region(const PhoneMetadata& m) : metadata(&m) {
    general.Load(m.general_desc(), usable);
    const PhoneNumberDesc* descs[] = {
        &m.premium_rate(), &m.toll_free(), &m.shared_cost(), &m.voip(),       &m.personal_number(),
        &m.pager(),        &m.uan(),       &m.voicemail(),   &m.fixed_line(), &m.mobile()};
    for (size_t i = 0; i < types.size(); ++i) {
      types[i].Load(*descs[i], usable);
    }
    usable = usable && !general.lengths.empty();
    local_only_lengths.assign(m.general_desc().possible_length_local_only().begin(),
                              m.general_desc().possible_length_local_only().end());
    if (!m.national_prefix_for_parsing().empty()) {
      national_prefix_for_parsing = Compile(m.national_prefix_for_parsing(), usable);
    }
    for (size_t i = 0; i < m.national_prefix_transform_rule().size(); ++i) {
      const char c = m.national_prefix_transform_rule()[i];
      transform_rule += c == '$' ? '\\' : c;
      usable = usable && c != '\\';
    }
    if (m.has_international_prefix()) {
      international_prefix = Compile(m.international_prefix(), usable);
    }
    if (m.has_leading_digits()) {
      leading_digits = Compile(m.leading_digits(), usable);
    }
  }

  int country_code() const { return metadata->country_code(); }

  // GetNumberTypeHelper(number) != UNKNOWN.
  bool ValidNumber(std::string_view number) const {
    if (!general.MatchesWithLength(number)) {
      return false;
    }
    return std::any_of(types.begin(), types.end(),
                       [&](const Desc& desc) { return desc.MatchesWithLength(number); });
  }

  // TestNumberLength for an unknown type: the general desc's lengths.
  Length TestNumberLength(std::string_view number) const {
    const std::vector<int>& possible = general.lengths;
    if (possible[0] == -1) {
      return Length::kInvalidLength;
    }
    const int actual = static_cast<int>(number.size());
    if (std::find(local_only_lengths.begin(), local_only_lengths.end(), actual) !=
        local_only_lengths.end()) {
      return Length::kPossibleLocalOnly;
    }
    if (possible[0] == actual) {
      return Length::kPossible;
    }
    if (possible[0] > actual) {
      return Length::kTooShort;
    }
    if (possible.back() < actual) {
      return Length::kTooLong;
    }
    return std::find(possible.begin() + 1, possible.end(), actual) != possible.end()
               ? Length::kPossible
               : Length::kInvalidLength;
  }

  // MaybeStripNationalPrefixAndCarrierCode (the carrier code is not needed).
  void MaybeStripNationalPrefix(std::string& number) const {
    if (number.empty() || national_prefix_for_parsing == nullptr) {
      return;
    }
    const RE2& prefix = *national_prefix_for_parsing;
    const bool viable_original = general.Matches(number);
    std::array<std::string_view, 3> match;
    if (!transform_rule.empty()) {
      std::string_view captured;
      bool consumed = Consume(prefix, number, 2, match);
      if (consumed) {
        captured = match[2];
      } else if ((consumed = Consume(prefix, number, 1, match))) {
        captured = match[1];
      }
      if (consumed && !captured.empty()) {
        std::string transformed = number;
        RE2::Replace(&transformed, prefix, transform_rule);
        if (viable_original && !general.Matches(transformed)) {
          return;
        }
        number = std::move(transformed);
        return;
      }
    }
    // With or without a carrier code group, the match is the same.
    if (Consume(prefix, number, 0, match)) {
      std::string rest = number.substr(match[0].size());
      if (viable_original && !general.Matches(rest)) {
        return;
      }
      number = std::move(rest);
    }
  }
};

enum class Verdict { kInvalid, kValid, kAskLibrary };

struct Parsed {
  int country_code = 0;
  std::string national;  // the national significant number
};

// Longer strings are not phone numbers the scanner produces (its tokens stop at 48 bytes);
// they go to the library, which bounds its own input.
constexpr size_t kMaxSupportedLength = 64;

// The shapes handled here: optional '(' before the first digit, then ASCII digits and
// " -./()", ending in a digit, with a '+' only as the very first byte. At least three
// digits, so that libphonenumber's viability pattern holds.
bool Supported(std::string_view written) {
  if (written.empty() || written.size() > kMaxSupportedLength || written.back() < '0' ||
      written.back() > '9') {
    return false;
  }
  size_t digits = 0;
  for (size_t i = 0; i < written.size(); ++i) {
    const char c = written[i];
    if (c >= '0' && c <= '9') {
      ++digits;
    } else if (!(c == ' ' || c == '-' || c == '.' || c == '/' || c == '(' || c == ')' ||
                 (c == '+' && i == 0))) {
      return false;
    }
  }
  return digits >= 3;
}

std::string DigitsOf(std::string_view s) {
  std::string digits;
  for (char c : s) {
    if (c >= '0' && c <= '9') {
      digits.push_back(c);
    }
  }
  return digits;
}

}  // namespace

struct PhoneValidator::Impl {
  i18n::phonenumbers::PhoneMetadataCollection collection;
  // Compiled lazily: a region's patterns when a number first needs them.
  struct Slot {
    std::once_flag once;
    std::unique_ptr<Region> region;
  };
  std::vector<std::unique_ptr<Slot>> slots;  // by index in collection
  // Keys point into `collection`, which is never changed after loading.
  std::unordered_map<std::string_view, size_t> geographic;  // region code -> index
  absl::flat_hash_map<int, size_t> non_geographic;          // calling code -> index ("001")
  // Calling code -> region codes, the main country first (as the library orders them).
  absl::flat_hash_map<int, std::vector<std::string>> regions_for_code;
  bool loaded = false;

  Impl() {
    loaded = collection.ParseFromArray(i18n::phonenumbers::metadata_get(),
                                       i18n::phonenumbers::metadata_size());
    for (int i = 0; loaded && i < collection.metadata_size(); ++i) {
      const PhoneMetadata& m = collection.metadata(i);
      const auto index = static_cast<size_t>(i);
      slots.push_back(std::make_unique<Slot>());
      if (m.id() == "ZZ") {
        continue;
      }
      if (m.id() == kNonGeoRegion) {
        non_geographic.emplace(m.country_code(), index);
      } else {
        geographic.emplace(m.id(), index);
      }
      std::vector<std::string>& regions = regions_for_code[m.country_code()];
      if (m.main_country_for_code()) {
        regions.insert(regions.begin(), m.id());
      } else {
        regions.push_back(m.id());
      }
    }
  }

  const Region& At(size_t index) const {
    Slot& slot = *slots[index];
    std::call_once(slot.once, [&] {
      slot.region = std::make_unique<Region>(collection.metadata(static_cast<int>(index)));
    });
    return *slot.region;
  }

  const Region* ForRegion(std::string_view code) const {
    auto it = geographic.find(code);
    return it == geographic.end() ? nullptr : &At(it->second);
  }

  // GetMetadataForRegionOrCallingCode.
  const Region* ForRegionOrCallingCode(int country_code, std::string_view code) const {
    if (code == kNonGeoRegion) {
      auto it = non_geographic.find(country_code);
      return it == non_geographic.end() ? nullptr : &At(it->second);
    }
    return ForRegion(code);
  }

  const std::vector<std::string>* RegionsFor(int country_code) const {
    auto it = regions_for_code.find(country_code);
    return it == regions_for_code.end() ? nullptr : &it->second;
  }

  // ExtractCountryCode.
  int ExtractCountryCode(std::string& national) const {
    if (national.empty() || national[0] == '0') {
      return 0;
    }
    for (size_t i = 1; i <= kMaxLengthCountryCode && i <= national.size(); ++i) {
      const int code = std::stoi(national.substr(0, i));
      if (RegionsFor(code) != nullptr) {
        national.erase(0, i);
        return code;
      }
    }
    return 0;
  }

  // ParseHelper for a Supported() number. nullopt: the library reports a parse error.
  // `usable` turns false when a region needed could not be compiled under RE2.
  std::optional<Parsed> Parse(std::string_view written, const Region* default_region,
                              bool& usable) const {
    // ExtractPossibleNumber: from the first '+' or digit.
    const size_t start = written.find_first_of("+0123456789");
    const std::string_view possible = written.substr(start);
    const bool plus = possible[0] == '+';
    if (default_region == nullptr && !plus) {
      return std::nullopt;  // CheckRegionForParsing
    }
    // MaybeExtractCountryCode.
    std::string national = DigitsOf(possible);
    int country_code = 0;
    bool from_default_country = !plus;
    if (!plus && default_region != nullptr && default_region->international_prefix) {
      std::array<std::string_view, 3> match;
      if (Consume(*default_region->international_prefix, national, 0, match)) {
        const std::string rest = national.substr(match[0].size());
        if (rest.empty() || rest[0] != '0') {  // ParsePrefixAsIdd
          national = rest;
          from_default_country = false;
        }
      }
    }
    if (!from_default_country) {
      if (national.size() <= kMinLengthForNsn) {
        return std::nullopt;  // TOO_SHORT_AFTER_IDD
      }
      country_code = ExtractCountryCode(national);
      if (country_code == 0) {
        // INVALID_COUNTRY_CODE_ERROR; the retry without the '+' has no default region
        // (plus implies "ZZ" here) and fails the same way.
        return std::nullopt;
      }
    } else {
      const std::string code = std::to_string(default_region->country_code());
      if (national.compare(0, code.size(), code) == 0) {
        std::string potential = national.substr(code.size());
        default_region->MaybeStripNationalPrefix(potential);
        if ((!default_region->general.Matches(national) &&
             default_region->general.Matches(potential)) ||
            default_region->TestNumberLength(national) == Length::kTooLong) {
          national = std::move(potential);
          country_code = default_region->country_code();
        }
      }
    }
    // Back in ParseHelper.
    const Region* region = default_region;
    if (country_code != 0) {
      const std::vector<std::string>& regions = *RegionsFor(country_code);
      if (default_region == nullptr || regions.front() != default_region->metadata->id()) {
        region = ForRegionOrCallingCode(country_code, regions.front());
      }
    } else {
      country_code = default_region->country_code();
    }
    if (national.size() < kMinLengthForNsn) {
      return std::nullopt;
    }
    if (region != nullptr) {
      if (!region->usable) {
        usable = false;
        return std::nullopt;
      }
      std::string potential = national;
      region->MaybeStripNationalPrefix(potential);
      const Length length = region->TestNumberLength(potential);
      if (length != Length::kTooShort && length != Length::kPossibleLocalOnly &&
          length != Length::kInvalidLength) {
        national = std::move(potential);
      }
    }
    if (national.size() < kMinLengthForNsn || national.size() > kMaxLengthForNsn) {
      return std::nullopt;
    }
    return Parsed{country_code, std::move(national)};
  }

  // IsValidNumberForRegion.
  Verdict ValidForRegion(const Parsed& number, std::string_view code) const {
    const Region* region = ForRegionOrCallingCode(number.country_code, code);
    if (region == nullptr) {
      return Verdict::kInvalid;
    }
    if (!region->usable) {
      return Verdict::kAskLibrary;
    }
    if (code != kNonGeoRegion && number.country_code != region->country_code()) {
      return Verdict::kInvalid;
    }
    return region->ValidNumber(number.national) ? Verdict::kValid : Verdict::kInvalid;
  }

  // IsValidNumber: GetRegionCodeForNumber, then IsValidNumberForRegion.
  Verdict Valid(const Parsed& number) const {
    const std::vector<std::string>* regions = RegionsFor(number.country_code);
    if (regions == nullptr || regions->empty()) {
      return Verdict::kInvalid;
    }
    if (regions->size() == 1) {
      return ValidForRegion(number, regions->front());
    }
    for (const std::string& code : *regions) {  // GetRegionCodeForNumberFromRegionList
      const Region* region = ForRegion(code);
      if (region == nullptr) {
        continue;
      }
      if (!region->usable) {
        return Verdict::kAskLibrary;
      }
      std::array<std::string_view, 3> match;
      const bool chosen = region->leading_digits
                              ? Consume(*region->leading_digits, number.national, 0, match)
                              : region->ValidNumber(number.national);
      if (chosen) {
        return ValidForRegion(number, code);
      }
    }
    return Verdict::kInvalid;
  }
};

PhoneValidator::PhoneValidator() : impl_(std::make_unique<Impl>()) {}
PhoneValidator::~PhoneValidator() = default;

const PhoneValidator& PhoneValidator::Get() {
  static const PhoneValidator* const validator = new PhoneValidator();
  return *validator;
}

bool PhoneValidator::ValidInternational(std::string_view written) const {
  if (impl_->loaded && Supported(written) && written[0] == '+') {
    bool usable = true;
    const std::optional<Parsed> parsed = impl_->Parse(written, nullptr, usable);
    if (usable) {
      const Verdict verdict = parsed ? impl_->Valid(*parsed) : Verdict::kInvalid;
      if (verdict != Verdict::kAskLibrary) {
        return verdict == Verdict::kValid;
      }
    }
  }
  using i18n::phonenumbers::PhoneNumberUtil;
  const PhoneNumberUtil& util = *PhoneNumberUtil::GetInstance();
  i18n::phonenumbers::PhoneNumber number;
  return util.Parse(std::string(written), "ZZ", &number) == PhoneNumberUtil::NO_PARSING_ERROR &&
         util.IsValidNumber(number);
}

void PhoneValidator::Prepare(std::string_view region) const {
  if (impl_->loaded) {
    impl_->ForRegion(region);
  }
}

bool PhoneValidator::ValidForRegion(std::string_view written, std::string_view region) const {
  const Region* default_region = impl_->loaded ? impl_->ForRegion(region) : nullptr;
  if (default_region != nullptr && default_region->usable && Supported(written) &&
      written[0] != '+') {
    bool usable = true;
    const std::optional<Parsed> parsed = impl_->Parse(written, default_region, usable);
    if (usable) {
      const Verdict verdict = parsed ? impl_->ValidForRegion(*parsed, region) : Verdict::kInvalid;
      if (verdict != Verdict::kAskLibrary) {
        return verdict == Verdict::kValid;
      }
    }
  }
  using i18n::phonenumbers::PhoneNumberUtil;
  const PhoneNumberUtil& util = *PhoneNumberUtil::GetInstance();
  i18n::phonenumbers::PhoneNumber number;
  const std::string code(region);
  return util.Parse(std::string(written), code, &number) == PhoneNumberUtil::NO_PARSING_ERROR &&
         util.IsValidNumberForRegion(number, code);
}

}  // namespace bulwark::privacy
