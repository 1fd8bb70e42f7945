// File: signature.h
// Webhook signatures for alerts (issue 7). Every delivery carries
//
//   X-Bulwark-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(key, "<t>.<body>")>
//
// where `key` is the value of the store secret named by [alerts] signing_secret. A receiver
// recomputes the HMAC over the timestamp, a dot and the raw body bytes, compares in constant
// time, and refuses timestamps older than a few minutes (replay). See docs/config.md.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/secret.h"

namespace bulwark::alerts {

inline constexpr std::string_view kSignatureHeader = "X-Bulwark-Signature";

// "t=<unix>,v1=<hex>" for `body` signed at `unix_time`.
std::string SignatureHeaderValue(const Secret& key, int64_t unix_time, std::string_view body);

// True when `header` is a valid signature of `body` under `key`, made within `tolerance`
// seconds of `now`.
bool VerifySignature(const Secret& key, std::string_view header, std::string_view body, int64_t now,
                     int64_t tolerance_seconds = 300);

}  // namespace bulwark::alerts
