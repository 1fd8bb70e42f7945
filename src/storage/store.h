// File: store.h
// Store: the narrow interface to durable state (keys, vendor secrets, admin tokens).
//
// Callers never see SQL. The embedded backend is SQLite (sqlite_store.h); a PostgreSQL
// backend later implements the same interface and is chosen by OpenStore() from the URL,
// so no caller changes. Every mutation bumps a store-wide `version` in the same
// transaction: gateway processes poll Version() and reload their snapshot when it moves,
// which is how a CLI change reaches every running node within a second.
//
// Thread-safety: all methods may be called from any thread. They block (disk I/O), so the
// gateway calls them only from its background refresher, never on an event loop.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace bulwark {

struct KeyRecord {
  std::string id;  // public identifier, e.g. "key_8f3a..."
  std::string name;
  std::string tenant = "default";
  std::string secret_hash;  // keyed hash of the client key; the key itself is never stored
  std::vector<std::string> scopes;
  std::vector<std::string> allow_ips;  // CIDRs; empty = any address
  std::vector<std::string> rates;      // "N/s" ... as given to --rate
  int64_t created_at = 0;              // unix seconds
  int64_t expires_at = 0;              // 0 = never
  int64_t revoked_at = 0;              // 0 = live
  // After `keys rotate`, the old secret keeps working until previous_expires_at.
  std::string previous_secret_hash;
  int64_t previous_expires_at = 0;
};

struct SecretRecord {
  std::string name;
  std::string sealed;  // AEAD ciphertext (see crypto/keys.h Seal), never the plaintext
  int64_t created_at = 0;
  int64_t updated_at = 0;
};

struct AdminTokenRecord {
  std::string id;
  std::string name;
  std::string role;  // admin | auditor | privacy
  std::string token_hash;
  int64_t created_at = 0;
  int64_t revoked_at = 0;
};

class Store {
 public:
  virtual ~Store() = default;

  // Cheap liveness check for /readyz.
  virtual absl::Status Ping() = 0;
  // Monotonic counter bumped by every mutation.
  virtual absl::StatusOr<int64_t> Version() = 0;

  // Keys. CreateKey fails with AlreadyExists on a duplicate id; RevokeKey with NotFound.
  virtual absl::Status CreateKey(const KeyRecord& key) = 0;
  virtual absl::StatusOr<std::optional<KeyRecord>> GetKey(const std::string& id) = 0;
  virtual absl::StatusOr<std::vector<KeyRecord>> ListKeys() = 0;
  virtual absl::Status RevokeKey(const std::string& id, int64_t at) = 0;
  // Replaces the key's secret hash, keeping the old one valid until `grace_until` (unix
  // seconds; <= now ends it at once). NotFound if absent, FailedPrecondition if revoked.
  virtual absl::Status RotateKey(const std::string& id, const std::string& new_secret_hash,
                                 int64_t grace_until) = 0;

  // Vendor secrets, sealed by the caller. PutSecret inserts or replaces.
  virtual absl::Status PutSecret(const std::string& name, const std::string& sealed,
                                 int64_t at) = 0;
  virtual absl::StatusOr<std::vector<SecretRecord>> ListSecrets() = 0;
  virtual absl::Status DeleteSecret(const std::string& name) = 0;  // NotFound if absent

  // Admin tokens.
  virtual absl::Status CreateAdminToken(const AdminTokenRecord& token) = 0;
  virtual absl::StatusOr<std::vector<AdminTokenRecord>> ListAdminTokens() = 0;
  virtual absl::Status RevokeAdminToken(const std::string& id, int64_t at) = 0;
};

// Opens (and migrates) the store named by `url`: "sqlite://relative" is resolved against
// `base_dir`, "sqlite:///absolute" is used as is.
absl::StatusOr<std::unique_ptr<Store>> OpenStore(const std::string& url,
                                                 const std::string& base_dir);

}  // namespace bulwark
