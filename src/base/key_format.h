// File: key_format.h
// The shapes of what `bulwark keys create` issues, shared by the code that issues them
// (service/keys.cc), checks them (pipeline/authn) and must recognise them before writing
// anything to a log (auth/token_endpoint: a secret pasted as a client id is never logged).
//
//   id:  "key_" + 16 hex digits          (public; client_id for OAuth2)
//   key: "bwk_" + 32 base62 characters   (the secret; client_secret for OAuth2)
#pragma once

#include <string_view>

namespace bulwark {

inline constexpr std::string_view kKeyIdPrefix = "key_";
inline constexpr std::string_view kClientKeyPrefix = "bwk_";

}  // namespace bulwark
