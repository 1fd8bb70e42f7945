#include "base/random.h"

#include <vector>

#include <sodium.h>

namespace bulwark {

std::string RandomHex(size_t bytes) {
  std::vector<unsigned char> raw(bytes);
  randombytes_buf(raw.data(), raw.size());
  std::string out(bytes * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), raw.data(), raw.size());
  out.pop_back();
  sodium_memzero(raw.data(), raw.size());
  return out;
}

std::string RandomBase62(size_t bytes) {
  static constexpr char kAlphabet[] =
      "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  // Rejection sampling keeps every character uniform: each output symbol carries
  // log2(62) ~ 5.95 bits, so ceil(bytes * 8 / 5.95) symbols hold `bytes` bytes of entropy.
  size_t symbols = (bytes * 8 * 100 + 594) / 595;
  std::string out;
  out.reserve(symbols);
  while (out.size() < symbols) {
    unsigned char b[64];
    randombytes_buf(b, sizeof(b));
    for (unsigned char c : b) {
      if (c < 248 && out.size() < symbols) out.push_back(kAlphabet[c % 62]);
    }
    sodium_memzero(b, sizeof(b));
  }
  return out;
}

std::string NewRequestId() { return RandomHex(16); }

}  // namespace bulwark
