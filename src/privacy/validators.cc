#include "privacy/validators.h"

#include <array>
#include <cmath>
#include <cstdint>
#include <string>

#include <arpa/inet.h>

namespace bulwark::privacy::internal {
namespace {

bool AllDigits(std::string_view s) {
  for (char c : s) {
    if (c < '0' || c > '9') {
      return false;
    }
  }
  return !s.empty();
}

int Prefix(std::string_view digits, size_t n) {
  int value = 0;
  for (size_t i = 0; i < n && i < digits.size(); ++i) {
    value = value * 10 + (digits[i] - '0');
  }
  return value;
}

struct IbanCountry {
  const char code[3];
  int length;
};

// ISO 13616 registry lengths (SWIFT IBAN registry).
constexpr IbanCountry kIbanCountries[] = {
    {"AD", 24}, {"AE", 23}, {"AL", 28}, {"AT", 20}, {"AZ", 28}, {"BA", 20}, {"BE", 16}, {"BG", 22},
    {"BH", 22}, {"BR", 29}, {"BY", 28}, {"CH", 21}, {"CR", 22}, {"CY", 28}, {"CZ", 24}, {"DE", 22},
    {"DK", 18}, {"DO", 28}, {"EE", 20}, {"EG", 29}, {"ES", 24}, {"FI", 18}, {"FO", 18}, {"FR", 27},
    {"GB", 22}, {"GE", 22}, {"GI", 23}, {"GL", 18}, {"GR", 27}, {"GT", 28}, {"HR", 21}, {"HU", 28},
    {"IE", 22}, {"IL", 23}, {"IQ", 23}, {"IS", 26}, {"IT", 27}, {"JO", 30}, {"KW", 30}, {"KZ", 20},
    {"LB", 28}, {"LC", 32}, {"LI", 21}, {"LT", 20}, {"LU", 20}, {"LV", 21}, {"MC", 27}, {"MD", 24},
    {"ME", 22}, {"MK", 19}, {"MR", 27}, {"MT", 31}, {"MU", 30}, {"NL", 18}, {"NO", 15}, {"PK", 24},
    {"PL", 28}, {"PS", 29}, {"PT", 25}, {"QA", 29}, {"RO", 24}, {"RS", 22}, {"SA", 24}, {"SC", 31},
    {"SE", 24}, {"SI", 19}, {"SK", 24}, {"SM", 27}, {"ST", 25}, {"SV", 28}, {"TL", 23}, {"TN", 24},
    {"TR", 26}, {"UA", 29}, {"VA", 22}, {"VG", 24}, {"XK", 20},
};

}  // namespace

bool LuhnValid(std::string_view digits) {
  if (!AllDigits(digits)) {
    return false;
  }
  int sum = 0;
  bool twice = false;
  for (size_t i = digits.size(); i-- > 0;) {
    int d = digits[i] - '0';
    if (twice) {
      d *= 2;
      if (d > 9) {
        d -= 9;
      }
    }
    sum += d;
    twice = !twice;
  }
  return sum % 10 == 0;
}

bool CardIssuerValid(std::string_view digits) {
  const size_t n = digits.size();
  if (n < 12 || n > 19 || !AllDigits(digits)) {
    return false;
  }
  const int p1 = Prefix(digits, 1);
  const int p2 = Prefix(digits, 2);
  const int p3 = Prefix(digits, 3);
  const int p4 = Prefix(digits, 4);
  const int p6 = Prefix(digits, 6);
  if (p1 == 4) {  // Visa
    return n == 13 || n == 16 || n == 19;
  }
  if ((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720)) {  // Mastercard
    return n == 16;
  }
  if (p2 == 34 || p2 == 37) {  // American Express
    return n == 15;
  }
  if (p4 == 6011 || p2 == 65 || (p3 >= 644 && p3 <= 649) ||
      (p6 >= 622126 && p6 <= 622925)) {  // Discover
    return n >= 16 && n <= 19;
  }
  if ((p3 >= 300 && p3 <= 305) || p2 == 36 || p2 == 38 || p2 == 39) {  // Diners Club
    return n >= 14 && n <= 19;
  }
  if (p4 >= 3528 && p4 <= 3589) {  // JCB
    return n >= 16 && n <= 19;
  }
  if (p2 == 62) {  // UnionPay
    return n >= 16 && n <= 19;
  }
  if (p2 == 50 || (p2 >= 56 && p2 <= 58) || p2 == 63 || p2 == 67) {  // Maestro
    return n >= 12 && n <= 19;
  }
  return false;
}

int IbanLength(std::string_view country) {
  // Indexed by the two capitals: asked for every capital pair before digits in a text.
  static const auto* const lengths = [] {
    auto* table = new std::array<uint8_t, 26 * 26>{};
    for (const auto& entry : kIbanCountries) {
      (*table)[static_cast<size_t>((entry.code[0] - 'A') * 26 + (entry.code[1] - 'A'))] =
          static_cast<uint8_t>(entry.length);
    }
    return table;
  }();
  if (country.size() != 2 || country[0] < 'A' || country[0] > 'Z' || country[1] < 'A' ||
      country[1] > 'Z') {
    return 0;
  }
  return (*lengths)[static_cast<size_t>((country[0] - 'A') * 26 + (country[1] - 'A'))];
}

bool IbanValid(std::string_view compact) {
  if (compact.size() < 15 || compact.size() > 34) {
    return false;
  }
  if (IbanLength(compact.substr(0, 2)) != static_cast<int>(compact.size())) {
    return false;
  }
  if (compact[2] < '0' || compact[2] > '9' || compact[3] < '0' || compact[3] > '9') {
    return false;
  }
  // Move the first four characters to the end, map letters to 10..35, take mod 97.
  uint32_t remainder = 0;
  for (size_t k = 0; k < compact.size(); ++k) {
    const char c = compact[(k + 4) % compact.size()];
    if (c >= '0' && c <= '9') {
      remainder = (remainder * 10 + static_cast<uint32_t>(c - '0')) % 97;
    } else if (c >= 'A' && c <= 'Z') {
      const auto value = static_cast<uint32_t>(c - 'A' + 10);
      remainder = (remainder * 100 + value) % 97;
    } else {
      return false;
    }
  }
  return remainder == 1;
}

bool SsnValid(std::string_view area, std::string_view group, std::string_view serial) {
  if (area.size() != 3 || group.size() != 2 || serial.size() != 4 || !AllDigits(area) ||
      !AllDigits(group) || !AllDigits(serial)) {
    return false;
  }
  const int a = Prefix(area, 3);
  const int g = Prefix(group, 2);
  const int s = Prefix(serial, 4);
  if (a == 0 || a == 666 || a >= 900 || g == 0 || s == 0) {
    return false;
  }
  // Advertising and documentation numbers that were never issued.
  if ((a == 78 && g == 5 && s == 1120) || (a == 219 && g == 9 && s == 9999) ||
      (a == 123 && g == 45 && s == 6789)) {
    return false;
  }
  return true;
}

bool ParseIpv4(std::string_view text) {
  int octets = 0;
  size_t i = 0;
  while (i <= text.size()) {
    size_t j = i;
    int value = 0;
    while (j < text.size() && text[j] >= '0' && text[j] <= '9' && j - i < 4) {
      value = value * 10 + (text[j] - '0');
      ++j;
    }
    const size_t len = j - i;
    if (len == 0 || len > 3 || value > 255 || (len > 1 && text[i] == '0')) {
      return false;
    }
    ++octets;
    if (j == text.size()) {
      break;
    }
    if (text[j] != '.' || octets == 4) {
      return false;
    }
    i = j + 1;
  }
  return octets == 4;
}

bool ParseIpv6(std::string_view text) {
  if (text.size() < 2 || text.size() > 45) {
    return false;
  }
  std::array<char, 46> buffer{};
  text.copy(buffer.data(), text.size());
  unsigned char out[16];
  return inet_pton(AF_INET6, buffer.data(), out) == 1;
}

bool DateValid(int year, int month, int day) {
  if (year < 1900 || year > 2100 || month < 1 || month > 12 || day < 1) {
    return false;
  }
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int max_day = kDays[month - 1];
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  if (month == 2 && leap) {
    max_day = 29;
  }
  return day <= max_day;
}

double Entropy(std::string_view text) {
  if (text.empty()) {
    return 0.0;
  }
  // H = log2(n) - (1/n) * sum(c * log2(c)) over the byte counts c; c * log2(c) comes from a
  // table for the short tokens this is asked about.
  constexpr size_t kTable = 128;
  static const auto* const c_log_c = [] {
    auto* table = new std::array<double, kTable>{};
    for (size_t c = 1; c < kTable; ++c) {
      (*table)[c] = static_cast<double>(c) * std::log2(static_cast<double>(c));
    }
    return table;
  }();
  const auto sum_c_log_c = [&](auto& counts) {
    for (char c : text) {
      ++counts[static_cast<unsigned char>(c)];
    }
    double sum = 0.0;
    for (char c : text) {
      auto& count = counts[static_cast<unsigned char>(c)];
      if (count > 0) {
        sum += count < kTable ? (*c_log_c)[count]
                              : static_cast<double>(count) * std::log2(static_cast<double>(count));
        count = 0;  // each distinct byte once
      }
    }
    return sum;
  };
  double sum;
  if (text.size() < kTable) {
    std::array<uint8_t, 256> counts{};  // a quarter of the zeroing for the usual short token
    sum = sum_c_log_c(counts);
  } else {
    std::array<uint32_t, 256> counts{};
    sum = sum_c_log_c(counts);
  }
  const auto n = static_cast<double>(text.size());
  return std::log2(n) - sum / n;
}

}  // namespace bulwark::privacy::internal
