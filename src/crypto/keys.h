// File: keys.h
// The master key and what is derived from it (libsodium only; nothing hand-rolled).
//
//   auto master = LoadMasterKey(config.master_key_file);         // refuses mode != 0600
//   Secret vault = master->Derive(KeyPurpose::kSecrets);         // AEAD key for secrets
//   std::string hash = KeyedHash(master->Derive(KeyPurpose::kKeyHash), client_key);
//
// Subkeys come from crypto_kdf_derive_from_key with a distinct id and context per purpose,
// so a leak of one derived key reveals nothing about the master key or the others.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "base/secret.h"

namespace bulwark {

enum class KeyPurpose : uint64_t {
  kKeyHash = 1,      // keyed hash of client keys and admin tokens
  kSecrets = 2,      // AEAD for vendor credentials at rest
  kAudit = 3,        // audit hash chain
  kSigning = 4,      // encryption of token-signing key pairs at rest
  kSubject = 5,      // keyed lookup hash of subject ids (subjects/keyring.h)
  kSubjectKeys = 6,  // AEAD sealing per-subject keys at rest (crypto-shredding)
  kPayloads = 7,     // AEAD sealing per-record keys of captured payloads without a subject
};

class MasterKey {
 public:
  static constexpr size_t kSize = 32;
  explicit MasterKey(Secret raw) : raw_(std::move(raw)) {}
  Secret Derive(KeyPurpose purpose) const;

 private:
  Secret raw_;
};

// Reads the key from $BULWARK_MASTER_KEY (base64 of 32 bytes) if set, else from `file`,
// which must hold exactly 32 bytes (raw or base64) and have no group/other permissions.
absl::StatusOr<MasterKey> LoadMasterKey(const std::filesystem::path& file);

// Creates `file` with mode 0600 holding a fresh random key (base64). Fails if it exists.
absl::Status CreateMasterKeyFile(const std::filesystem::path& file);

// Hex BLAKE2b-256 of `data` keyed with `key` (which must be 32 bytes).
std::string KeyedHash(const Secret& key, std::string_view data);

// XChaCha20-Poly1305: returns nonce || ciphertext. `aad` binds the ciphertext to its
// context (e.g. the secret's name) so ciphertexts cannot be swapped between rows.
std::string Seal(const Secret& key, std::string_view plaintext, std::string_view aad);
absl::StatusOr<Secret> Open(const Secret& key, std::string_view sealed, std::string_view aad);

// Constant-time comparison of equal-length strings.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

std::string Base64Encode(std::string_view data);
absl::StatusOr<std::string> Base64Decode(std::string_view text);

}  // namespace bulwark
