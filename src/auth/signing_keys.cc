#include "auth/signing_keys.h"

#include <ctime>

#include <sodium.h>

#include "base/random.h"
#include "base/status_macros.h"

namespace bulwark::auth {
namespace {

std::string Aad(const std::string& kid) { return "signing:" + kid; }

}  // namespace

std::shared_ptr<const KeyRing> KeyRing::Build(const std::vector<SigningKeyRecord>& records,
                                              const MasterKey& master, int* skipped) {
  auto ring = std::make_shared<KeyRing>();
  Secret vault = master.Derive(KeyPurpose::kSigning);
  int bad = 0;
  for (const SigningKeyRecord& r : records) {
    if (r.alg != kSigningAlg || r.public_key.size() != crypto_sign_PUBLICKEYBYTES) {
      ++bad;
      continue;
    }
    if (r.retired_at == 0) {
      auto seed = Open(vault, r.sealed_private, Aad(r.kid));
      if (!seed.ok() || seed->size() != crypto_sign_SEEDBYTES) {
        ++bad;
        continue;
      }
      std::string pk(crypto_sign_PUBLICKEYBYTES, '\0');
      std::string sk(crypto_sign_SECRETKEYBYTES, '\0');
      crypto_sign_seed_keypair(reinterpret_cast<unsigned char*>(pk.data()),
                               reinterpret_cast<unsigned char*>(sk.data()),
                               reinterpret_cast<const unsigned char*>(seed->Reveal().data()));
      if (pk != r.public_key) {  // a swapped row: the sealed seed is not this public key's
        sodium_memzero(sk.data(), sk.size());
        ++bad;
        continue;
      }
      ring->active_kid_ = r.kid;
      ring->active_secret_ = Secret(std::move(sk));
    }
    ring->keys_.push_back({r.kid, r.public_key, r.retired_at == 0 ? 0 : r.not_after});
  }
  if (skipped != nullptr) *skipped = bad;
  return ring;
}

absl::StatusOr<std::string> KeyRing::Sign(const nlohmann::json& claims) const {
  if (!can_sign()) return absl::FailedPreconditionError("no active token-signing key");
  nlohmann::json header = {{"alg", kSigningAlg}, {"typ", "JWT"}, {"kid", active_kid_}};
  std::string input = Base64UrlEncode(header.dump()) + "." + Base64UrlEncode(claims.dump());
  std::string sig(crypto_sign_BYTES, '\0');
  crypto_sign_detached(reinterpret_cast<unsigned char*>(sig.data()), nullptr,
                       reinterpret_cast<const unsigned char*>(input.data()), input.size(),
                       reinterpret_cast<const unsigned char*>(active_secret_.Reveal().data()));
  return input + "." + Base64UrlEncode(sig);
}

absl::Status KeyRing::Verify(const Jwt& jwt, int64_t now) const {
  if (jwt.alg != kSigningAlg) return absl::UnauthenticatedError("jwt.alg_not_allowed");
  if (jwt.kid.empty()) return absl::UnauthenticatedError("jwt.unknown_kid");
  for (const Entry& e : keys_) {
    if (e.kid != jwt.kid) continue;
    if (!Published(e, now)) return absl::UnauthenticatedError("jwt.key_retired");
    if (jwt.signature.size() != crypto_sign_BYTES ||
        crypto_sign_verify_detached(
            reinterpret_cast<const unsigned char*>(jwt.signature.data()),
            reinterpret_cast<const unsigned char*>(jwt.signing_input.data()),
            jwt.signing_input.size(),
            reinterpret_cast<const unsigned char*>(e.public_key.data())) != 0) {
      return absl::UnauthenticatedError("jwt.bad_signature");
    }
    return absl::OkStatus();
  }
  return absl::UnauthenticatedError("jwt.unknown_kid");
}

std::string KeyRing::JwksJson(int64_t now) const {
  nlohmann::json keys = nlohmann::json::array();
  for (const Entry& e : keys_) {
    if (!Published(e, now)) continue;
    keys.push_back({{"kty", "OKP"},
                    {"crv", "Ed25519"},
                    {"x", Base64UrlEncode(e.public_key)},
                    {"kid", e.kid},
                    {"alg", kSigningAlg},
                    {"use", "sig"}});
  }
  return nlohmann::json({{"keys", keys}}).dump();
}

SigningKeyRecord NewSigningKey(const MasterKey& master, int64_t now) {
  std::string pk(crypto_sign_PUBLICKEYBYTES, '\0');
  std::string sk(crypto_sign_SECRETKEYBYTES, '\0');
  crypto_sign_keypair(reinterpret_cast<unsigned char*>(pk.data()),
                      reinterpret_cast<unsigned char*>(sk.data()));
  Secret seed(sk.substr(0, crypto_sign_SEEDBYTES));  // libsodium sk = seed || pk
  sodium_memzero(sk.data(), sk.size());
  SigningKeyRecord r;
  r.kid = "sk_" + RandomHex(12);
  r.alg = std::string(kSigningAlg);
  r.public_key = std::move(pk);
  r.sealed_private = Seal(master.Derive(KeyPurpose::kSigning), seed.Reveal(), Aad(r.kid));
  r.created_at = now;
  return r;
}

absl::Status EnsureSigningKey(Store& store, const MasterKey& master) {
  ASSIGN_OR_RETURN(std::vector<SigningKeyRecord> keys, store.ListSigningKeys());
  for (const SigningKeyRecord& k : keys) {
    if (k.retired_at == 0) return absl::OkStatus();
  }
  return store.InsertSigningKeyIfNone(NewSigningKey(master, std::time(nullptr))).status();
}

absl::StatusOr<std::string> RotateSigningKey(Store& store, const MasterKey& master, int64_t now,
                                             int64_t old_not_after) {
  SigningKeyRecord next = NewSigningKey(master, now);
  RETURN_IF_ERROR(store.RotateSigningKey(next, now, old_not_after));
  return next.kid;
}

}  // namespace bulwark::auth
