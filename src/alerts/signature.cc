#include "alerts/signature.h"

#include <charconv>
#include <cstdlib>

#include <fmt/format.h>
#include <sodium.h>

namespace bulwark::alerts {
namespace {

std::string Hmac(const Secret& key, int64_t unix_time, std::string_view body) {
  std::string prefix = fmt::format("{}.", unix_time);
  crypto_auth_hmacsha256_state state;
  std::string_view k = key.Reveal();
  crypto_auth_hmacsha256_init(&state, reinterpret_cast<const unsigned char*>(k.data()), k.size());
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(prefix.data()),
                                prefix.size());
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(body.data()),
                                body.size());
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_final(&state, mac);
  char hex[crypto_auth_hmacsha256_BYTES * 2 + 1];
  sodium_bin2hex(hex, sizeof(hex), mac, sizeof(mac));
  sodium_memzero(&state, sizeof(state));
  return std::string(hex, crypto_auth_hmacsha256_BYTES * 2);
}

}  // namespace

std::string SignatureHeaderValue(const Secret& key, int64_t unix_time, std::string_view body) {
  return fmt::format("t={},v1={}", unix_time, Hmac(key, unix_time, body));
}

bool VerifySignature(const Secret& key, std::string_view header, std::string_view body, int64_t now,
                     int64_t tolerance_seconds) {
  if (header.size() > 200 || header.substr(0, 2) != "t=") return false;
  size_t comma = header.find(",v1=");
  if (comma == std::string_view::npos) return false;
  std::string_view t_text = header.substr(2, comma - 2);
  std::string_view mac = header.substr(comma + 4);
  int64_t t = 0;
  auto [end, ec] = std::from_chars(t_text.data(), t_text.data() + t_text.size(), t);
  if (ec != std::errc() || end != t_text.data() + t_text.size()) return false;
  if (std::llabs(now - t) > tolerance_seconds) return false;
  std::string expected = Hmac(key, t, body);
  if (mac.size() != expected.size()) return false;
  return sodium_memcmp(mac.data(), expected.data(), expected.size()) == 0;
}

}  // namespace bulwark::alerts
