// Extractors for the machine-shaped types: email, URLs with credentials, numbers (cards,
// SSNs, phones), IP addresses, IBANs and API keys. Each one receives the end offset of a
// trigger match, finds the full candidate around it within a bounded window, validates it
// and adds a candidate with a confidence adjusted by nearby context words.
//
// Hard negatives are rejected here: digit runs glued to letters (order ids, tracking
// numbers), numbers after a currency sign (prices), date and time shapes, dotted runs
// with more than four parts or a "v"/"version" prefix (version strings), UUIDs, and hex
// strings near commit/sha/hash.
#include <algorithm>
#include <array>
#include <string>

#include "absl/container/inlined_vector.h"
#include "privacy/phone_validator.h"
#include "privacy/scanner_internal.h"
#include "privacy/text_util.h"
#include "privacy/validators.h"

namespace bulwark::privacy::internal {

void ExtractBirthDate(size_t to, ScanState& state);
void ExtractTitleName(size_t to, ScanState& state);
void ExtractIntroName(size_t to, ScanState& state);
void ExtractFirstName(size_t to, bool after_greeting, ScanState& state);
void ExtractStreetAddress(size_t to, ScanState& state);
void ExtractGermanAddress(size_t to, ScanState& state);
std::array<std::string, 2> FirstNamePatterns();

namespace {

constexpr size_t kMaxNumericToken = 48;
constexpr size_t kContextWindow = 48;

enum class Charset : uint8_t {
  kUpperAlnum,
  kAlnum,
  kAlnumUnderscore,
  kAlnumDash,
  kBase64Url,
  kJwt
};

struct KeyFormat {
  std::string_view prefix;
  Charset charset;
  size_t min_body;
  size_t max_body;
  bool needs_digit;
};

constexpr KeyFormat kKeyFormats[] = {
    {"AKIA", Charset::kUpperAlnum, 16, 16, false},
    {"ASIA", Charset::kUpperAlnum, 16, 16, false},
    {"AGPA", Charset::kUpperAlnum, 16, 16, false},
    {"AIDA", Charset::kUpperAlnum, 16, 16, false},
    {"AROA", Charset::kUpperAlnum, 16, 16, false},
    {"AIPA", Charset::kUpperAlnum, 16, 16, false},
    {"ANPA", Charset::kUpperAlnum, 16, 16, false},
    {"ANVA", Charset::kUpperAlnum, 16, 16, false},
    {"ghp_", Charset::kAlnum, 30, 255, false},
    {"gho_", Charset::kAlnum, 30, 255, false},
    {"ghu_", Charset::kAlnum, 30, 255, false},
    {"ghs_", Charset::kAlnum, 30, 255, false},
    {"ghr_", Charset::kAlnum, 30, 255, false},
    {"github_pat_", Charset::kAlnumUnderscore, 22, 255, false},
    {"glpat-", Charset::kBase64Url, 20, 255, false},
    {"sk_live_", Charset::kAlnum, 16, 255, false},
    {"sk_test_", Charset::kAlnum, 16, 255, false},
    {"rk_live_", Charset::kAlnum, 16, 255, false},
    {"rk_test_", Charset::kAlnum, 16, 255, false},
    {"whsec_", Charset::kAlnum, 16, 255, false},
    {"xoxb-", Charset::kAlnumDash, 10, 255, true},
    {"xoxp-", Charset::kAlnumDash, 10, 255, true},
    {"xoxa-", Charset::kAlnumDash, 10, 255, true},
    {"xoxr-", Charset::kAlnumDash, 10, 255, true},
    {"xoxs-", Charset::kAlnumDash, 10, 255, true},
    {"xoxe-", Charset::kAlnumDash, 10, 255, true},
    {"sk-", Charset::kBase64Url, 20, 255, true},
    {"AIza", Charset::kBase64Url, 35, 35, false},
    {"hf_", Charset::kAlnum, 30, 255, true},
    {"npm_", Charset::kAlnum, 36, 36, false},
    {"eyJ", Charset::kJwt, 0, 0, false},
};

bool InCharset(char c, Charset charset) {
  switch (charset) {
    case Charset::kUpperAlnum:
      return IsUpper(c) || IsDigit(c);
    case Charset::kAlnum:
      return IsAlnum(c);
    case Charset::kAlnumUnderscore:
      return IsWord(c);
    case Charset::kAlnumDash:
      return IsAlnum(c) || c == '-';
    case Charset::kBase64Url:
    case Charset::kJwt:
      return IsAlnum(c) || c == '-' || c == '_';
  }
  return false;
}

bool HasDigit(std::string_view s) { return std::any_of(s.begin(), s.end(), IsDigit); }
bool HasAlpha(std::string_view s) { return std::any_of(s.begin(), s.end(), IsAlpha); }

// True if text[start, end) is shaped like 8-4-4-4-12 hex (a UUID).
bool IsUuid(std::string_view s) {
  if (s.size() != 36) {
    return false;
  }
  for (size_t i = 0; i < s.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !IsHex(s[i])) {
      return false;
    }
  }
  return true;
}

// ---------------------------------------------------------------- email

bool IsLocalChar(char c) {
  return IsAlnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-' || c == '\'';
}

void ExtractEmail(size_t to, ScanState& state) {
  const std::string_view text = state.text;
  const size_t at = to - 2;  // trigger: [local]@[domain char]
  if (at < state.processed_end[static_cast<int>(Kind::kEmail)]) {
    return;
  }
  size_t start = at;
  while (start > 0 && at - start < 64 && IsLocalChar(text[start - 1])) {
    --start;
  }
  while (start < at && (text[start] == '.' || text[start] == '\'' || text[start] == '-')) {
    ++start;
  }
  if (start == at || IsLocalChar(Before(text, start)) || Before(text, start) == '@' ||
      Before(text, start) == '/') {
    return;
  }
  size_t end = at + 1;
  size_t last_dot = 0;
  while (end < text.size() && end - at < 254 &&
         (IsAlnum(text[end]) || text[end] == '-' || text[end] == '.' || IsHigh(text[end]))) {
    ++end;
  }
  while (end > at + 1 && (text[end - 1] == '.' || text[end - 1] == '-')) {
    --end;
  }
  for (size_t i = at + 1; i < end; ++i) {
    if (text[i] == '.') {
      if (i == at + 1 || text[i - 1] == '.') {
        return;
      }
      last_dot = i;
    }
  }
  if (last_dot == 0 || end - last_dot - 1 < 2) {
    return;
  }
  for (size_t i = last_dot + 1; i < end; ++i) {
    if (!IsAlpha(text[i])) {
      return;
    }
  }
  if (At(text, end) == '@') {
    return;
  }
  state.processed_end[static_cast<int>(Kind::kEmail)] = end;
  state.Add(PiiType::kEmail, start, end, 0.95);
}

// ---------------------------------------------------------------- URL with credentials

bool IsUrlStop(char c) {
  return IsSpace(c) || c == '"' || c == '\'' || c == '<' || c == '>' || c == '`' || c == '\0' ||
         c == '\\';
}

void ExtractUrlCredentials(size_t to, ScanState& state) {
  const std::string_view text = state.text;
  const size_t colon = to - 3;  // trigger: "://"
  size_t start = colon;
  while (start > 0 && colon - start < 32 &&
         (IsAlnum(text[start - 1]) || text[start - 1] == '+' || text[start - 1] == '.' ||
          text[start - 1] == '-')) {
    --start;
  }
  while (start < colon && !IsAlpha(text[start])) {
    ++start;
  }
  if (start == colon) {
    return;
  }
  size_t authority_end = to;
  while (authority_end < text.size() && authority_end - to < 512 &&
         !IsUrlStop(text[authority_end]) && text[authority_end] != '/' &&
         text[authority_end] != '?' && text[authority_end] != '#') {
    ++authority_end;
  }
  const std::string_view authority = text.substr(to, authority_end - to);
  const size_t at = authority.rfind('@');
  if (at == std::string_view::npos || at == 0 || at + 1 >= authority.size()) {
    return;
  }
  const std::string_view userinfo = authority.substr(0, at);
  const size_t sep = userinfo.find(':');
  if (sep == std::string_view::npos || sep == 0 || sep + 1 >= userinfo.size()) {
    return;
  }
  size_t end = authority_end;
  while (end < text.size() && end - to < 2048 && !IsUrlStop(text[end])) {
    ++end;
  }
  while (end > authority_end && (text[end - 1] == '.' || text[end - 1] == ',' ||
                                 text[end - 1] == ')' || text[end - 1] == ';')) {
    --end;
  }
  state.Add(PiiType::kUrlWithCredentials, start, end, 0.97);
}

// ---------------------------------------------------------------- numbers

bool IsNumSep(char c) {
  return c == ' ' || c == '-' || c == '.' || c == '/' || c == '(' || c == ')';
}

struct NumericToken {
  size_t start = 0;
  size_t end = 0;
  bool plus = false;
  bool paren = false;
  // Inline capacities cover real numbers (a card has 16 digits in 4-5 groups), so a token
  // allocates nothing; a token spans at most kMaxNumericToken bytes in any case.
  absl::InlinedVector<char, 24> digit_chars;
  absl::InlinedVector<size_t, 8> groups;   // digit group lengths
  absl::InlinedVector<char, 8> sep_chars;  // the separator run between groups, first char of each

  std::string_view digits() const { return {digit_chars.data(), digit_chars.size()}; }
  std::string_view seps() const { return {sep_chars.data(), sep_chars.size()}; }
};

bool LooksLikeDate(const NumericToken& t) {
  if (t.groups.size() < 3) {
    return false;
  }
  const char s0 = t.seps()[0];
  if ((s0 != '/' && s0 != '-' && s0 != '.') || t.seps()[1] != s0) {
    return false;
  }
  const size_t a = t.groups[0], b = t.groups[1], c = t.groups[2];
  return (a == 4 && b <= 2 && c <= 2) || (a <= 2 && b <= 2 && (c == 4 || c == 2));
}

bool CardGrouping(const NumericToken& t) {
  const auto& g = t.groups;
  if (g.size() == 1) {
    return true;
  }
  for (char s : t.seps()) {
    if (s != t.seps()[0] || (s != ' ' && s != '-')) {
      return false;
    }
  }
  if (g.size() == 3 && g[0] == 4 && g[1] == 6 && (g[2] == 5 || g[2] == 4)) {
    return true;
  }
  for (size_t i = 0; i + 1 < g.size(); ++i) {
    if (g[i] != 4) {
      return false;
    }
  }
  return g.size() >= 4 && g.back() >= 1 && g.back() <= 4;
}

bool PhoneValidUncached(const NumericToken& t, std::string_view written, ScanState& state) {
  const PhoneValidator& validator = PhoneValidator::Get();
  if (t.plus) {
    return validator.ValidInternational(written);
  }
  const bool trunk_zero = t.digits()[0] == '0';
  for (const std::string& region : state.phone_regions) {
    const bool nanp = region == "US" || region == "CA";
    if (trunk_zero && nanp) {
      continue;
    }
    if (validator.ValidForRegion(written, region)) {
      return true;
    }
  }
  return false;
}

bool PhoneValid(const NumericToken& t, ScanState& state) {
  // The verdict depends on the bytes (with '+' and grouping) and on the scanner's regions,
  // which are fixed per scanner, as is the cache.
  const std::string_view written = state.text.substr(t.start, t.end - t.start);
  const PhoneVerdicts::Key key = state.phone_verdicts.KeyOf(written);
  if (const std::optional<bool> known = state.phone_verdicts.Find(key)) {
    return *known;
  }
  const bool valid = PhoneValidUncached(t, written, state);
  state.phone_verdicts.Remember(key, valid);
  return valid;
}

void ClassifyNumber(const NumericToken& t, ScanState& state) {
  const std::string_view text = state.text;
  const size_t n = t.digits().size();
  // Context words are looked up only once a shape needs them: most numbers in prose
  // (dates, versions, prices) are rejected on shape alone.
  const auto negative = [&] { return state.ContextBefore(Kind::kCtxNegative, t.start, 24); };
  const auto ssn_context = [&] {
    return state.ContextBefore(Kind::kCtxSsn, t.start, kContextWindow);
  };

  // US SSN: 3-2-4 with '-' or ' ', or nine bare digits after an SSN context word.
  if (t.groups.size() == 3 && t.groups[0] == 3 && t.groups[1] == 2 && t.groups[2] == 4 &&
      t.seps()[0] == t.seps()[1] && (t.seps()[0] == '-' || t.seps()[0] == ' ') && !t.plus &&
      !t.paren) {
    if (SsnValid(t.digits().substr(0, 3), t.digits().substr(3, 2), t.digits().substr(5, 4))) {
      double confidence = t.seps()[0] == '-' ? 0.85 : 0.6;
      const bool ssn_word = ssn_context();
      if (ssn_word) {
        confidence = 0.98;
      }
      if (!ssn_word && negative()) {
        confidence -= 0.4;
      }
      state.Add(PiiType::kUsSsn, t.start, t.end, confidence);
    }
    return;
  }
  if (n == 9 && t.groups.size() == 1 && ssn_context()) {
    if (SsnValid(t.digits().substr(0, 3), t.digits().substr(3, 2), t.digits().substr(5, 4))) {
      state.Add(PiiType::kUsSsn, t.start, t.end, 0.9);
    }
    return;
  }

  // Credit cards: 12-19 digits in a card grouping; a Luhn or issuer failure is final.
  if (n >= 12 && n <= 19 && !t.plus && !t.paren && CardGrouping(t)) {
    if (LuhnValid(t.digits()) && CardIssuerValid(t.digits())) {
      double confidence = 0.95;
      if (negative() && !state.ContextBefore(Kind::kCtxCard, t.start, kContextWindow)) {
        confidence = 0.6;
      }
      state.Add(PiiType::kCreditCard, t.start, t.end, confidence);
      return;
    }
    if (n >= 13) {
      return;
    }
  }

  if (LooksLikeDate(t)) {
    return;
  }
  if (t.groups.size() == 4 && t.seps().find_first_not_of('.') == std::string_view::npos) {
    return;  // dotted quad: the IPv4 extractor's business
  }
  if (t.seps().find('.') != std::string_view::npos && t.groups.size() > 4) {
    return;  // long dotted runs are version numbers or OIDs
  }

  // Phone numbers. Shape checks first: the context lookup is the dearer part.
  if (n > 15 || n < (t.plus ? 7u : 8u)) {
    return;
  }
  if (!t.plus) {
    // National formats group digits in twos or more; a single digit is only a leading
    // trunk or NANP "1" ("1-800-...", "0 800 ..."). Cheap, and spares libphonenumber.
    for (size_t i = 0; i < t.groups.size(); ++i) {
      if (t.groups[i] == 1 && !(i == 0 && (t.digits()[0] == '1' || t.digits()[0] == '0'))) {
        return;
      }
    }
  }
  const bool phone_context = state.ContextBefore(Kind::kCtxPhone, t.start, kContextWindow);
  // Without '+' or a phone word, short national numbers are too easily other ids.
  const size_t min_digits = t.plus ? 7 : (phone_context ? 8 : 9);
  if (n < min_digits) {
    return;
  }
  const bool formatted = t.groups.size() > 1 || t.paren;
  if (!t.plus && !formatted && !phone_context) {
    return;
  }
  if (!t.plus && t.seps().find('/') != std::string_view::npos && !phone_context) {
    return;  // fractions, dates, paths
  }
  if (!PhoneValid(t, state)) {
    return;
  }
  double confidence = t.plus ? 0.95 : 0.75;
  if (phone_context) {
    confidence = std::max(confidence, 0.9);
  }
  if (!phone_context && negative()) {
    confidence -= 0.4;
  }
  (void)text;
  state.Add(PiiType::kPhone, t.start, t.end, confidence);
}

void ExtractNumeric(size_t to, ScanState& state) {
  const std::string_view text = state.text;
  const int kind = static_cast<int>(Kind::kNumeric);
  if (to <= state.processed_end[kind]) {
    return;
  }
  // Walk back over digits and runs of at most two separators that sit between digits.
  size_t start = to - 1;
  while (start > 0 && to - start < 64) {
    if (IsDigit(text[start - 1])) {
      --start;
      continue;
    }
    size_t k = start;
    int seps = 0;
    while (k > 0 && seps < 2 && IsNumSep(text[k - 1])) {
      --k;
      ++seps;
    }
    if (seps > 0 && k > 0 && IsDigit(text[k - 1])) {
      start = k;
      continue;
    }
    break;
  }
  size_t end = to;
  while (end < text.size()) {
    if (IsDigit(text[end])) {
      ++end;
      continue;
    }
    size_t k = end;
    int seps = 0;
    while (k < text.size() && seps < 2 && IsNumSep(text[k])) {
      ++k;
      ++seps;
    }
    if (seps > 0 && k < text.size() && IsDigit(text[k])) {
      end = k;
      continue;
    }
    break;
  }
  state.processed_end[kind] = end;
  if (end - start > kMaxNumericToken) {
    return;
  }
  NumericToken t;
  t.start = start;
  t.end = end;
  if (Before(text, start) == '(' && IsDigit(At(text, start))) {
    t.start = --start;
    t.paren = true;
  }
  if (Before(text, start) == '+') {
    t.start = --start;
    t.plus = true;
  }
  // Leading '(' that the walk included belongs to the token only as a phone area code.
  const char before = Before(text, t.start);
  if (IsAlnum(before) || before == '_' || before == '$' || before == '#' || before == '.' ||
      before == ',' || before == '/' || before == ':' || before == '-' || IsHigh(before)) {
    return;  // ids glued to letters, prices, "#123", paths, decimals, times
  }
  const char after = At(text, t.end);
  if (IsAlpha(after) || after == '_' || after == '%' || after == ':' || IsHigh(after) ||
      (after == ',' && IsDigit(At(text, t.end + 1)))) {
    return;
  }
  bool in_sep = false;
  size_t group = 0;
  for (size_t i = t.start; i < t.end; ++i) {
    const char c = text[i];
    if (IsDigit(c)) {
      if (in_sep) {
        t.groups.push_back(group);
        group = 0;
        in_sep = false;
      }
      t.digit_chars.push_back(c);
      ++group;
    } else if (c == '(' || c == ')') {
      t.paren = true;
      if (!in_sep && group > 0) {
        in_sep = true;
        t.sep_chars.push_back(c);
      }
    } else if (IsNumSep(c)) {
      if (!in_sep && group > 0) {
        in_sep = true;
        t.sep_chars.push_back(c);
      }
    }
  }
  t.groups.push_back(group);
  if (t.digit_chars.empty() || t.sep_chars.size() + 1 != t.groups.size()) {
    return;
  }
  ClassifyNumber(t, state);
}

// ---------------------------------------------------------------- IP addresses

void ExtractIpv4(size_t to, ScanState& state) {
  const std::string_view text = state.text;
  const int kind = static_cast<int>(Kind::kIpv4);
  if (to <= state.processed_end[kind]) {
    return;
  }
  size_t start = to;
  while (start > 0 && to - start < 40 && (IsDigit(text[start - 1]) || text[start - 1] == '.')) {
    --start;
  }
  size_t end = to;
  while (end < text.size() && end - start < 40 && (IsDigit(text[end]) || text[end] == '.')) {
    ++end;
  }
  state.processed_end[kind] = end;
  while (end > start && text[end - 1] == '.') {
    --end;  // sentence full stop
  }
  const char before = Before(text, start);
  if (IsAlpha(before) || before == '_' || before == '-' || IsHigh(before) ||
      IsAlpha(At(text, end)) || At(text, end) == '_') {
    return;
  }
  const std::string_view candidate = text.substr(start, end - start);
  if (!ParseIpv4(candidate)) {
    return;
  }
  if (state.ContextBefore(Kind::kCtxVersion, start, 20)) {
    return;
  }
  state.Add(PiiType::kIpAddress, start, end, 0.9);
}

bool IsIpv6Char(char c) { return IsHex(c) || c == ':' || c == '.'; }

void ExtractIpv6(size_t to, ScanState& state) {
  const std::string_view text = state.text;
  const int kind = static_cast<int>(Kind::kIpv6);
  if (to <= state.processed_end[kind]) {
    return;
  }
  size_t start = to;
  while (start > 0 && to - start < 45 && IsIpv6Char(text[start - 1])) {
    --start;
  }
  size_t end = to;
  while (end < text.size() && end - start < 46 && IsIpv6Char(text[end])) {
    ++end;
  }
  state.processed_end[kind] = end;
  while (end > start &&
         (text[end - 1] == '.' || (text[end - 1] == ':' && Before(text, end - 1) != ':'))) {
    --end;
  }
  while (start < end && text[start] == ':' && At(text, start + 1) != ':') {
    ++start;
  }
  if (IsWord(Before(text, start)) || IsWord(At(text, end)) || IsHigh(Before(text, start))) {
    return;
  }
  const std::string_view candidate = text.substr(start, end - start);
  if (std::count(candidate.begin(), candidate.end(), ':') < 2 || candidate == "::" ||
      !HasDigit(candidate) || !ParseIpv6(candidate)) {
    return;
  }
  state.Add(PiiType::kIpAddress, start, end, 0.9);
}

// ---------------------------------------------------------------- IBAN

void ExtractIban(size_t to, ScanState& state) {
  const std::string_view text = state.text;
  const int kind = static_cast<int>(Kind::kIban);
  if (to <= state.processed_end[kind]) {
    return;
  }
  // Trigger: [A-Z]{2}\d{2} ?[A-Z0-9]{4}; the country code starts 8 or 9 bytes back.
  size_t start = to >= 9 && text[to - 5] == ' ' ? to - 9 : to - 8;
  if (IsAlnum(Before(text, start)) || IsHigh(Before(text, start))) {
    return;
  }
  const int length = IbanLength(text.substr(start, 2));
  if (length == 0) {
    return;
  }
  absl::InlinedVector<char, 36> compact;  // an IBAN has at most 34 characters
  size_t end = start;
  while (end < text.size() && static_cast<int>(compact.size()) < length) {
    const char c = text[end];
    if (IsUpper(c) || IsDigit(c)) {
      compact.push_back(c);
      ++end;
    } else if (c == ' ' && end + 1 < text.size() && IsAlnum(text[end + 1]) &&
               compact.size() % 4 == 0) {
      ++end;
    } else {
      break;
    }
  }
  if (static_cast<int>(compact.size()) != length || IsAlnum(At(text, end))) {
    return;
  }
  if (!IbanValid(std::string_view(compact.data(), compact.size()))) {
    return;
  }
  state.processed_end[kind] = end;
  state.Add(PiiType::kIban, start, end, 0.95);
}

// ---------------------------------------------------------------- API keys

void ExtractJwt(size_t start, ScanState& state) {
  const std::string_view text = state.text;
  size_t end = start;
  int dots = 0;
  size_t segment = 0;
  std::array<size_t, 3> lengths{};
  while (end < text.size() && end - start < 8192) {
    const char c = text[end];
    if (InCharset(c, Charset::kJwt)) {
      ++segment;
    } else if (c == '.' && dots < 2) {
      lengths[dots] = segment;
      segment = 0;
      ++dots;
    } else {
      break;
    }
    ++end;
  }
  lengths[dots] = segment;
  if (dots != 2 || lengths[0] < 10 || lengths[1] < 10 ||
      text.substr(start + lengths[0] + 1, 3) != "eyJ") {
    return;
  }
  state.Add(PiiType::kApiKey, start, end, 0.95);
}

void ExtractKeyPrefix(size_t to, int format_index, ScanState& state) {
  const std::string_view text = state.text;
  const KeyFormat& format = kKeyFormats[format_index];
  const size_t start = to - format.prefix.size();
  const char before = Before(text, start);
  if (IsAlnum(before) || before == '_' || before == '-' || IsHigh(before)) {
    return;
  }
  if (format.charset == Charset::kJwt) {
    ExtractJwt(start, state);
    return;
  }
  size_t end = to;
  while (end < text.size() && end - to < format.max_body + 1 &&
         InCharset(text[end], format.charset)) {
    ++end;
  }
  const size_t body = end - to;
  if (body < format.min_body || body > format.max_body) {
    return;
  }
  if (IsAlnum(At(text, end)) || At(text, end) == '_') {
    return;
  }
  const std::string_view token = text.substr(to, body);
  if (format.needs_digit && (!HasDigit(token) || !HasAlpha(token))) {
    return;
  }
  if (Entropy(token) < 2.5) {
    return;
  }
  state.Add(PiiType::kApiKey, start, end, 0.95);
}

void ExtractPem(size_t to, ScanState& state) {
  // Trigger: "-----BEGIN "; only private key blocks count.
  const std::string_view text = state.text;
  const size_t start = to - 11;
  const size_t label_end = text.find("-----", to);
  if (label_end == std::string_view::npos || label_end - to > 40) {
    return;
  }
  const std::string_view label = text.substr(to, label_end - to);
  if (label.find("PRIVATE KEY") == std::string_view::npos) {
    return;
  }
  const size_t limit = std::min(text.size(), to + 65536);
  const std::string_view window = text.substr(0, limit);
  const size_t footer = window.find("-----END ", label_end + 5);
  size_t end;
  if (footer != std::string_view::npos) {
    const size_t close = window.find("-----", footer + 9);
    end = close == std::string_view::npos ? limit : close + 5;
  } else {
    end = label_end + 5;
    while (end < limit && (IsAlnum(text[end]) || text[end] == '+' || text[end] == '/' ||
                           text[end] == '=' || IsSpace(text[end]))) {
      ++end;
    }
    while (end > label_end + 5 && IsSpace(text[end - 1])) {
      --end;
    }
  }
  state.processed_end[static_cast<int>(Kind::kPem)] = end;
  state.Add(PiiType::kApiKey, start, end, 0.99);
}

bool IsSecretChar(char c) {
  return IsAlnum(c) || c == '_' || c == '-' || c == '+' || c == '/' || c == '=' || c == '.' ||
         c == '~';
}

void ExtractSecretContext(size_t to, bool password, ScanState& state) {
  const std::string_view text = state.text;
  size_t pos = to;
  // Skip separators and a few filler words: `api_key = "...`, `token: ...`, `key is ...`.
  for (int steps = 0; steps < 4 && pos < text.size(); ++steps) {
    const size_t before = pos;
    while (pos < text.size() && pos - to < 24 &&
           (IsSpace(text[pos]) || text[pos] == ':' || text[pos] == '=' || text[pos] == '"' ||
            text[pos] == '\'' || text[pos] == '`' || text[pos] == '>' || text[pos] == '(')) {
      ++pos;
    }
    for (std::string_view filler : {"is ", "was ", "bearer ", "of "}) {
      if (MatchesLower(text, pos, filler)) {
        pos += filler.size();
      }
    }
    if (pos == before) {
      break;
    }
  }
  if (pos == to && IsSecretChar(At(text, pos))) {
    return;  // the context word runs straight into a token ("tokenizer")
  }
  size_t end = pos;
  while (end < text.size() && end - pos < 512 && IsSecretChar(text[end])) {
    ++end;
  }
  while (end > pos && (text[end - 1] == '.' || text[end - 1] == '-')) {
    --end;
  }
  const std::string_view token = text.substr(pos, end - pos);
  const size_t min_length = password ? 8 : 16;
  if (token.size() < min_length || token.size() > 512) {
    return;
  }
  if (IsUuid(token) || token[0] == '/' || token[0] == '.' || token.find("://") != token.npos) {
    return;
  }
  int classes = 0;
  classes += std::any_of(token.begin(), token.end(), IsLower) ? 1 : 0;
  classes += std::any_of(token.begin(), token.end(), IsUpper) ? 1 : 0;
  classes += HasDigit(token) ? 1 : 0;
  const bool all_hex = std::all_of(token.begin(), token.end(), IsHex);
  if (!HasDigit(token) || (classes < 2 && !all_hex)) {
    return;
  }
  if (std::all_of(token.begin(), token.end(), IsDigit)) {
    return;
  }
  if (all_hex && state.ContextBefore(Kind::kCtxHash, pos, kContextWindow)) {
    return;
  }
  if (Entropy(token) < (password ? 2.5 : 3.0)) {
    return;
  }
  state.Add(PiiType::kApiKey, pos, end, password ? 0.75 : 0.8);
}

std::vector<TriggerSpec> BuildSpecs() {
  constexpr unsigned kCase = 0;
  // HS_FLAG_CASELESS = 1, HS_FLAG_DOTALL = 2 (hs_compile.h); kept numeric here so this file
  // does not need Hyperscan's headers.
  constexpr unsigned kCaseless = 1;
  std::vector<TriggerSpec> specs = {
      {Kind::kEmail, R"([A-Za-z0-9._%+'\-]@[A-Za-z0-9])", kCase, 0},
      {Kind::kUrlCredentials, R"(://)", kCase, 0},
      {Kind::kNumeric, R"(\d(?:[ \-.()/]{0,2}\d){6})", kCase, 0},
      {Kind::kIpv4, R"(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})", kCase, 0},
      {Kind::kIpv6, R"([0-9A-Fa-f]{1,4}:[0-9A-Fa-f]{0,4}:[0-9A-Fa-f]{0,4})", kCase, 0},
      {Kind::kIpv6, R"(::[0-9A-Fa-f]{1,4})", kCase, 0},
      {Kind::kIban, R"([A-Z]{2}\d{2} ?[A-Z0-9]{4})", kCase, 0},
      {Kind::kPem, R"(-----BEGIN )", kCase, 0},
      {Kind::kSecretContext,
       R"(\b(?:api[_\- ]?keys?|apikey|secrets?|secret[_\- ]?key|client[_\- ]?secret|tokens?|access[_\- ]?tokens?|auth[_\- ]?tokens?|access[_\- ]?key(?:[_\- ]?id)?|private[_\- ]?key|bearer|authorization|credentials?|x-api-key)\b)",
       kCaseless, 0},
      {Kind::kSecretContext, R"(\b(?:password|passwd|pwd|passphrase)\b)", kCaseless, 1},
      {Kind::kBirthContext,
       R"(\b(?:born|birth|dob|d\.o\.b|birthday|birthdate|geboren|geburtsdatum|naissance|n(?:é|e)e? le|nacimiento|nacid[oa])\b)",
       kCaseless, 0},
      {Kind::kTitle, R"(\b(?:Mr|Mrs|Ms|Mx|Dr|Prof|Sir|Herr|Frau|Mme|Mlle)\.? )", kCase, 0},
      {Kind::kIntro,
       R"(\b(?:my name is|name is|full name|name:|dear|signed|patient|customer|client|employee|presenter|spokesperson|host|narrator|speaker|contact person|attn:?|attention:?)[ ,:]+)",
       kCaseless, 0},
      {Kind::kFirstName, FirstNamePatterns()[0], kCase, 0},
      {Kind::kFirstName, FirstNamePatterns()[1], kCase, 1},
      {Kind::kStreetSuffix,
       R"(\b(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Way|Place|Pl|Terrace|Parkway|Pkwy|Highway|Hwy|Square|Sq|Circle|Cir|Trail|Close|Crescent|Plaza)\b)",
       kCase, 0},
      {Kind::kGermanStreet, R"((?:straße|strasse|str\.|weg|gasse|allee|platz|damm|ufer) \d)", kCase,
       0},
      {Kind::kCtxPhone,
       R"(\b(?:phone|tel|telephone|call|calls|mobile|cell|fax|whatsapp|sms|text me|reach me|ring|dial|hotline|contact|telefon|t(?:é|e)l(?:é|e)phone|m(?:ó|o)vil)\b)",
       kCaseless, 0},
      {Kind::kCtxCard,
       R"(\b(?:card|visa|mastercard|amex|credit|debit|payment|cc|pan|cardholder)\b)", kCaseless, 0},
      {Kind::kCtxSsn, R"(\b(?:ssn|social security|social-security|ss#|taxpayer|tin)\b)", kCaseless,
       0},
      {Kind::kCtxNegative,
       R"(\b(?:order|orders|tracking|track|invoice|inv|ref|reference|ticket|sku|part|model|serial|shipment|confirmation|po|case|id|isbn|build|txn|transaction|booking|receipt|account no|acct|item|batch|lot|awb|member|membership)\b|#)",
       kCaseless, 0},
      {Kind::kCtxVersion, R"(\b(?:ver|version|release|build|firmware|oid|sdk|api)\b)", kCaseless,
       0},
      // "v" on its own: a one-letter literal in an alternation slows the whole pattern
      // down four to eight times.
      {Kind::kCtxVersion, R"(\bv\b)", kCaseless, 0},
      {Kind::kCtxHash,
       R"(\b(?:commit|sha|sha1|sha256|hash|revision|rev|checksum|digest|md5|etag)\b)", kCaseless,
       0},
  };
  for (size_t i = 0; i < std::size(kKeyFormats); ++i) {
    specs.push_back(
        {Kind::kKeyPrefix, std::string(kKeyFormats[i].prefix), kCase, static_cast<int>(i)});
  }
  return specs;
}

}  // namespace

const std::vector<TriggerSpec>& TriggerSpecs() {
  static const std::vector<TriggerSpec>* const specs = new std::vector<TriggerSpec>(BuildSpecs());
  return *specs;
}

Tier TierOf(Kind kind) {
  switch (kind) {
    case Kind::kNumeric:
    case Kind::kIpv4:
      return Tier::kDigitRuns;
    case Kind::kIpv6:
      return Tier::kColonRuns;
    case Kind::kIban:
    case Kind::kStreetSuffix:
      return Tier::kNearDigits;
    default:
      return static_cast<int>(kind) >= kFirstContextKind ? Tier::kContext : Tier::kWholeText;
  }
}

ScanState::ScanState(std::string_view scanned, std::span<const std::string> regions,
                     PhoneVerdicts& verdicts, const ContextFinder& context_finder,
                     ScanBuffers& buffers)
    : text(scanned),
      phone_regions(regions),
      phone_verdicts(verdicts),
      candidates(buffers.candidates),
      context_finder_(context_finder),
      chunk_scanned_(buffers.chunk_scanned),
      context_ends_(buffers.context_ends),
      found_(buffers.found) {
  candidates.clear();
  chunk_scanned_.clear();
  for (auto& ends : context_ends_) {
    ends.clear();
  }
}

bool ScanState::ContextIn(Kind kind, size_t from, size_t to) {
  if (text.empty()) {
    return false;
  }
  to = std::min(to, text.size());
  for (size_t chunk = from / kChunk; chunk <= to / kChunk; ++chunk) {
    EnsureContext(kind, chunk);
  }
  const auto& ends = context_ends_[static_cast<int>(kind)];
  auto it = std::lower_bound(ends.begin(), ends.end(), static_cast<uint32_t>(from));
  return it != ends.end() && *it <= to;
}

void ScanState::EnsureContext(Kind kind, size_t chunk) {
  if (chunk_scanned_.empty()) {
    chunk_scanned_.resize(text.size() / kChunk + 1);
  }
  const int k = static_cast<int>(kind);
  const auto bit = static_cast<uint8_t>(1u << (k - kFirstContextKind));
  if ((chunk_scanned_[chunk] & bit) != 0) {
    return;
  }
  // Readahead: asking for the chunk right after the last scanned run means the text is
  // dense with triggers, so the next scan covers twice as many chunks (up to
  // kMaxReadahead); one longer Hyperscan call costs far less than many short ones. A jump
  // starts again from one chunk, which keeps sparse text cheap.
  size_t& readahead = readahead_[k];
  readahead = chunk == next_sequential_chunk_[k] && readahead > 0
                  ? std::min(readahead * 2, kMaxReadahead)
                  : 1;
  size_t last = chunk;
  while (last + 1 < chunk_scanned_.size() && last + 1 - chunk < readahead &&
         (chunk_scanned_[last + 1] & bit) == 0) {
    ++last;
  }
  for (size_t c = chunk; c <= last; ++c) {
    chunk_scanned_[c] |= bit;
  }
  next_sequential_chunk_[k] = last + 1;
  // Matches ending in [lo, hi) start at most kMaxContextWord bytes earlier, so the window
  // [lo - kMaxContextWord, hi + 1) holds them whole, with the byte after each for \b.
  // Where a window edge cuts a word, a false \b can only make a match that starts at the
  // first byte or ends at the last, and those end outside [lo, hi) and are dropped.
  const size_t lo = chunk * kChunk;
  const size_t hi = (last + 1) * kChunk;  // ends at text.size() belong to the last chunk
  const size_t begin = lo > kMaxContextWord ? lo - kMaxContextWord : 0;
  const size_t end = std::min(text.size(), hi + 1);
  found_.clear();
  context_finder_.Find(text, Window{begin, end}, kind, found_);
  std::erase_if(found_, [&](uint32_t e) { return e < lo || e >= hi; });
  auto& ends = context_ends_[k];
  ends.insert(std::lower_bound(ends.begin(), ends.end(), static_cast<uint32_t>(lo)), found_.begin(),
              found_.end());
}

void Extract(const TriggerSpec& spec, size_t to, ScanState& state) {
  switch (spec.kind) {
    case Kind::kEmail:
      ExtractEmail(to, state);
      break;
    case Kind::kUrlCredentials:
      ExtractUrlCredentials(to, state);
      break;
    case Kind::kNumeric:
      ExtractNumeric(to, state);
      break;
    case Kind::kIpv4:
      ExtractIpv4(to, state);
      break;
    case Kind::kIpv6:
      ExtractIpv6(to, state);
      break;
    case Kind::kIban:
      ExtractIban(to, state);
      break;
    case Kind::kKeyPrefix:
      ExtractKeyPrefix(to, spec.arg, state);
      break;
    case Kind::kPem:
      if (to > state.processed_end[static_cast<int>(Kind::kPem)]) {
        ExtractPem(to, state);
      }
      break;
    case Kind::kSecretContext:
      ExtractSecretContext(to, spec.arg == 1, state);
      break;
    case Kind::kBirthContext:
      ExtractBirthDate(to, state);
      break;
    case Kind::kTitle:
      ExtractTitleName(to, state);
      break;
    case Kind::kIntro:
      ExtractIntroName(to, state);
      break;
    case Kind::kFirstName:
      ExtractFirstName(to, spec.arg == 1, state);
      break;
    case Kind::kStreetSuffix:
      ExtractStreetAddress(to, state);
      break;
    case Kind::kGermanStreet:
      ExtractGermanAddress(to, state);
      break;
    default:
      break;  // context kinds are recorded by the scanner
  }
}

}  // namespace bulwark::privacy::internal
