// File: jwk.h
// Public keys for JWS verification (OpenSSL EVP), read from JWKS documents (RFC 7517,
// RFC 8037) or PEM, and signature verification under a strict algorithm allow-list.
//
//   auto keys = auth::ParseJwks(text);                  // RSA, EC P-256, OKP Ed25519
//   const PublicKey* k = FindKey(*keys, jwt.kid, jwt.alg);
//   absl::Status ok = VerifySignature(*k, jwt.alg, jwt.signing_input, jwt.signature);
//
// Each key is bound to exactly one algorithm by its type (RSA -> RS256, P-256 -> ES256,
// Ed25519 -> EdDSA), so an HS256 token "signed" with public-key bytes, or an RS256 token
// checked against an EC key, can never verify. RSA keys under 2048 bits are refused.
// Thread-safe once built: keys are immutable and EVP verification allocates its own ctx.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

typedef struct evp_pkey_st EVP_PKEY;

namespace bulwark::auth {

struct PublicKey {
  std::string kid;
  std::string alg;  // the one algorithm this key verifies: RS256 | ES256 | EdDSA
  std::shared_ptr<EVP_PKEY> pkey;
};

// {"keys": [...]}: every member must parse; keys with use other than "sig" or an `alg`
// that disagrees with the key type are refused. Keys without kid get "".
absl::StatusOr<std::vector<PublicKey>> ParseJwks(std::string_view text);
// One PEM SubjectPublicKeyInfo.
absl::StatusOr<PublicKey> ParsePemPublicKey(std::string_view pem, std::string kid);
// An Ed25519 public key from its 32 raw bytes.
absl::StatusOr<PublicKey> Ed25519PublicKey(std::string_view raw, std::string kid);

// The key named by `kid` (when the token has one; unknown kid -> nullptr), else the single
// key whose algorithm is `alg` (nullptr when there are none or several).
const PublicKey* FindKey(const std::vector<PublicKey>& keys, std::string_view kid,
                         std::string_view alg);

// OK only if `key.alg == alg` and `signature` (JWS form: raw r||s for ES256) verifies.
absl::Status VerifySignature(const PublicKey& key, std::string_view alg,
                             std::string_view signing_input, std::string_view signature);

}  // namespace bulwark::auth
