// File: signing_keys.h
// bulwark's own token-signing keys (Ed25519 via libsodium, JWS alg "EdDSA").
//
//   EnsureSigningKey(store, master);            // at init, and lazily at serve
//   auto ring = KeyRing::Build(records, master);   // in every access snapshot
//   std::string jwt = *ring->Sign(claims);      // header {"alg":"EdDSA","typ":"JWT","kid"}
//   ring->Verify(parsed_jwt, now);              // kid must name a published key
//   ring->JwksJson(now);                        // RFC 8037 OKP keys for /.well-known/jwks.json
//
// Rotation makes a new key active; the old one is retired but stays published and trusted
// until not_after = rotation time + token_ttl + leeway, i.e. until its last token expired.
// The private key is sealed with the master key's kSigning subkey (aad "signing:" + kid)
// and is only ever decrypted into a Secret. Thread-safe once built (immutable).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/status/statusor.h"
#include "auth/jwt.h"
#include "base/secret.h"
#include "crypto/keys.h"
#include "storage/store.h"

namespace bulwark::auth {

inline constexpr std::string_view kSigningAlg = "EdDSA";

class KeyRing {
 public:
  // Rows that fail to decrypt are skipped and counted in `skipped`.
  static std::shared_ptr<const KeyRing> Build(const std::vector<SigningKeyRecord>& records,
                                              const MasterKey& master, int* skipped = nullptr);

  bool can_sign() const { return !active_kid_.empty(); }
  const std::string& active_kid() const { return active_kid_; }

  // A compact JWS of `claims` under the active key; FailedPrecondition without one.
  absl::StatusOr<std::string> Sign(const nlohmann::json& claims) const;
  // OK when `jwt` is EdDSA, names a key published at `now` and its signature verifies.
  absl::Status Verify(const Jwt& jwt, int64_t now) const;
  // {"keys":[{"kty":"OKP","crv":"Ed25519","x",...,"kid","alg":"EdDSA","use":"sig"}]}
  std::string JwksJson(int64_t now) const;

 private:
  struct Entry {
    std::string kid;
    std::string public_key;  // 32 raw bytes
    int64_t not_after = 0;   // 0 = active
  };
  bool Published(const Entry& e, int64_t now) const {
    return e.not_after == 0 || now < e.not_after;
  }

  std::vector<Entry> keys_;
  std::string active_kid_;
  Secret active_secret_;  // libsodium Ed25519 secret key (64 bytes)
};

// A fresh key pair, its private half sealed; not yet stored.
SigningKeyRecord NewSigningKey(const MasterKey& master, int64_t now);

// Creates the first signing key when the store has no active one (idempotent, race-free).
absl::Status EnsureSigningKey(Store& store, const MasterKey& master);

// Makes a fresh key active; the current one stays published until `old_not_after`.
// Returns the new kid.
absl::StatusOr<std::string> RotateSigningKey(Store& store, const MasterKey& master, int64_t now,
                                             int64_t old_not_after);

}  // namespace bulwark::auth
