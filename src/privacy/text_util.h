// File: text_util.h
// Byte-level character classes and bounded scanning helpers used by the extractors.
// ASCII only; bytes >= 0x80 (UTF-8 sequences) count as letters where names allow them.
#pragma once

#include <cstddef>
#include <string_view>

namespace bulwark::privacy::internal {

inline bool IsDigit(char c) { return c >= '0' && c <= '9'; }
inline bool IsUpper(char c) { return c >= 'A' && c <= 'Z'; }
inline bool IsLower(char c) { return c >= 'a' && c <= 'z'; }
inline bool IsAlpha(char c) { return IsUpper(c) || IsLower(c); }
inline bool IsAlnum(char c) { return IsAlpha(c) || IsDigit(c); }
inline bool IsWord(char c) { return IsAlnum(c) || c == '_'; }
inline bool IsHigh(char c) { return static_cast<unsigned char>(c) >= 0x80; }
inline bool IsHex(char c) { return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
inline bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
inline char ToLower(char c) { return IsUpper(c) ? static_cast<char>(c - 'A' + 'a') : c; }

// Character at i, or '\0' outside the text.
inline char At(std::string_view text, size_t i) { return i < text.size() ? text[i] : '\0'; }
// Character before i, or '\0' at the start.
inline char Before(std::string_view text, size_t i) { return i > 0 ? text[i - 1] : '\0'; }

// Case-insensitive ASCII comparison of text[pos, pos+word.size()) with a lower-case word.
inline bool MatchesLower(std::string_view text, size_t pos, std::string_view word) {
  if (pos + word.size() > text.size()) {
    return false;
  }
  for (size_t i = 0; i < word.size(); ++i) {
    if (ToLower(text[pos + i]) != word[i]) {
      return false;
    }
  }
  return true;
}

}  // namespace bulwark::privacy::internal
