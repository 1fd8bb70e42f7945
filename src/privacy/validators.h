// File: validators.h
// Pure checks applied to candidate spans after the multi-pattern pass: checksums (Luhn,
// IBAN mod-97), number ranges (US SSN), address parsing (IPv4/IPv6), calendar dates and
// Shannon entropy. None of them allocate on the common path; all are O(input).
#pragma once

#include <optional>
#include <string_view>

namespace bulwark::privacy::internal {

// True if `digits` (ASCII digits only) passes the Luhn checksum.
bool LuhnValid(std::string_view digits);

// True if `digits` (13-19 ASCII digits) belongs to a known card issuer range with a
// length that issuer uses (Visa, Mastercard, Amex, Discover, Diners, JCB, UnionPay, Maestro).
bool CardIssuerValid(std::string_view digits);

// True if `compact` (no spaces, upper case) is an IBAN with a known country code, that
// country's length and a correct mod-97 check.
bool IbanValid(std::string_view compact);

// Length of an IBAN for a country code ("DE" -> 22), 0 if unknown.
int IbanLength(std::string_view country);

// True if area-group-serial are a possible SSN: area not 000, 666 or 900-999, group not 00,
// serial not 0000, and not one of the well-known advertising numbers.
bool SsnValid(std::string_view area, std::string_view group, std::string_view serial);

// Parses a dotted-quad IPv4 address strictly (no leading zeros, each octet <= 255).
bool ParseIpv4(std::string_view text);

// Parses an IPv6 address (RFC 4291 text forms, with an optional embedded IPv4 tail).
bool ParseIpv6(std::string_view text);

// A calendar date.
struct Date {
  int year;
  int month;
  int day;
};

// True if y-m-d is a real calendar date between 1900 and 2100.
bool DateValid(int year, int month, int day);

// Shannon entropy of `text` in bits per character.
double Entropy(std::string_view text);

}  // namespace bulwark::privacy::internal
