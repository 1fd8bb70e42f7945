// File: random.h
// Cryptographically secure random identifiers and tokens (libsodium's CSPRNG).
#pragma once

#include <cstddef>
#include <string>

namespace bulwark {

// `bytes` random bytes encoded as lowercase hex (2 * bytes characters).
std::string RandomHex(size_t bytes);

// `bytes` random bytes encoded in base62 (letters and digits, no padding): safe in headers,
// URLs and shells, and easy to select with a double click.
std::string RandomBase62(size_t bytes);

// A request id: 32 hex characters (128 bits).
std::string NewRequestId();

}  // namespace bulwark
