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
  std::vector<std::string> quotas;     // "100/d", "video_seconds:600/mo" (issue 4)
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

// A vendor object (HeyGen video id ...) created through bulwark, bound to the tenant of
// the key that created it (OWASP API1: other tenants get 404).
struct ResourceRecord {
  int64_t seq = 0;       // assigned by the store, increasing
  std::string provider;  // configured provider name (its id space)
  std::string kind;      // "video", "video_translate"
  std::string id;        // the vendor's id
  std::string tenant;
  std::string key_id;
  std::string subject;  // subject pseudonym, "" if the request named none
  int64_t created_at = 0;
};

// Incident response (issue 7): a suspended or throttled key, a frozen tenant, or a freeze
// of everything. A row refuses (or throttles) traffic until an admin lifts it; nothing else
// is changed or deleted.
struct SuspensionRecord {
  std::string scope;             // "key" | "tenant" | "all"
  std::string target;            // key id, tenant name, or "*" for scope "all"
  std::string mode = "suspend";  // "suspend" | "throttle" (keys only)
  std::string rate;              // the throttle rate ("1/s") when mode is "throttle"
  std::string reason;
  std::string actor;  // "cli", an admin token id, or "anomaly:<rule>"
  int64_t created_at = 0;
};

// --- Consent, data subjects and payload capture (issue 6). `subject` in these records is
// the keyed lookup hash of the subject id (crypto/keys.h KeyedHash under KeyPurpose::
// kSubject), never the raw id: the CLI and admin API hash the id they are given.
struct ConsentRecord {
  int64_t id = 0;  // assigned by the store
  std::string subject;
  std::string purpose;
  std::string provider;  // "" = every provider
  int64_t granted_at = 0;
  int64_t revoked_at = 0;  // 0 = live
  std::string evidence;
};

// A data subject's random key, sealed with a master-derived key. Audit pseudonyms and PII
// pseudonym tokens derive from it; deleting the row is the crypto-shredding.
struct SubjectKeyRecord {
  std::string subject;
  std::string sealed;
  int64_t created_at = 0;
  int64_t seq = 0;  // assigned by the store, increasing (subject-key follow, see below)
};

// One step of the subject-key log that gateways follow by `seq` (subject keys are not
// versioned): a new key (`erased_key_seq` == 0, `key` set) or the erasure of the key whose
// seq is `erased_key_seq` (`key` empty: the tombstone names no subject).
struct SubjectKeyEvent {
  int64_t seq = 0;
  int64_t erased_key_seq = 0;
  SubjectKeyRecord key;
};

// One captured body (debugging aid, off by default), sealed under the subject's key, or
// under a random per-record key (`sealed_key`, itself sealed with a master-derived key)
// when the request named no subject.
struct PayloadRecord {
  int64_t id = 0;       // assigned by the store
  std::string subject;  // "" when the request named no subject
  std::string request_id;
  std::string provider;
  std::string operation;
  std::string direction;  // "request" | "response"
  int64_t created_at = 0;
  int64_t size = 0;  // plaintext bytes stored (after truncation)
  bool truncated = false;
  std::string sealed_key;  // "" when sealed under the subject's key
  std::string sealed;
};

struct SubjectErasure {
  int64_t consents = 0, payloads = 0, keys = 0;
};

// A token-signing key pair (OAuth2 access tokens, issue 3). The private key is sealed
// with the master key's KeyPurpose::kSigning subkey (aad "signing:" + kid); only the
// public key is stored in the clear.
struct SigningKeyRecord {
  std::string kid;
  std::string alg;         // "EdDSA"
  std::string public_key;  // raw public key bytes (32 for Ed25519)
  std::string sealed_private;
  int64_t created_at = 0;
  int64_t retired_at = 0;  // 0 = the active signing key
  int64_t not_after = 0;   // retired keys stay published (JWKS) and trusted until then
};

// A usage counter row or delta (issue 4, quotas).
struct UsageRecord {
  std::string scope;   // "key" | "tenant"
  std::string id;      // key id or tenant name
  std::string unit;    // "requests" | "video_seconds"
  std::string period;  // "YYYY-MM-DD" (UTC day) or "YYYY-MM" (UTC month)
  int64_t amount = 0;
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

  // Vendor resources. Not versioned: gateways follow new rows by `seq`. PutResource keeps
  // the first owner of an id (returns false when the id was already bound).
  virtual absl::StatusOr<bool> PutResource(const ResourceRecord& resource) = 0;
  virtual absl::StatusOr<std::vector<ResourceRecord>> ListResourcesAfter(int64_t seq,
                                                                         int limit) = 0;
  virtual absl::StatusOr<std::vector<ResourceRecord>> ListResourcesBySubject(
      const std::string& subject) = 0;
  virtual absl::StatusOr<int64_t> DeleteResourcesBySubject(const std::string& subject) = 0;

  // --- Incident response (issue 7): suspensions and freezes, versioned like keys. ---
  // PutSuspension inserts or replaces the row for (scope, target), except that a throttle
  // never replaces a suspension (an automatic response cannot weaken an admin's freeze).
  virtual absl::Status PutSuspension(const SuspensionRecord& suspension) = 0;
  // NotFound when (scope, target) is not suspended.
  virtual absl::Status DeleteSuspension(const std::string& scope, const std::string& target) = 0;
  virtual absl::StatusOr<std::vector<SuspensionRecord>> ListSuspensions() = 0;

  // --- Consent, data subjects and payload capture (issue 6) ---
  // GrantConsent inserts a live consent and returns it; if one is already live for
  // (subject, purpose, provider) it is returned unchanged (grants are idempotent).
  virtual absl::StatusOr<ConsentRecord> GrantConsent(const ConsentRecord& consent) = 0;
  // Revokes the live consent for (subject, purpose, provider); NotFound if none is live.
  virtual absl::StatusOr<ConsentRecord> RevokeConsent(const std::string& subject,
                                                      const std::string& purpose,
                                                      const std::string& provider, int64_t at) = 0;
  // Every consent of `subject` (live and revoked), oldest first.
  virtual absl::StatusOr<std::vector<ConsentRecord>> ListConsents(const std::string& subject) = 0;
  // Every live consent (for the access snapshot).
  virtual absl::StatusOr<std::vector<ConsentRecord>> ListLiveConsents() = 0;
  // Inserts `candidate` unless the subject already has a key, and returns the stored row:
  // processes racing on a first-seen subject all end up with the same key. NOT versioned
  // (a stream of new subjects must not make every node reload its snapshot): the new row
  // gets the next subject-key `seq`, and gateways follow the log with
  // ListSubjectKeyEventsAfter.
  virtual absl::StatusOr<SubjectKeyRecord> GetOrCreateSubjectKey(
      const SubjectKeyRecord& candidate) = 0;
  virtual absl::StatusOr<std::optional<SubjectKeyRecord>> GetSubjectKey(
      const std::string& subject) = 0;
  virtual absl::StatusOr<std::vector<SubjectKeyRecord>> ListSubjectKeys() = 0;
  // The subject-key log's last seq (keys and erasures share one increasing sequence; a row
  // with a seq at or below it is committed). Read it BEFORE ListSubjectKeys to start
  // following from a full listing.
  virtual absl::StatusOr<int64_t> SubjectKeySeq() = 0;
  // Up to `limit` key creations and erasures with seq > `seq`, in seq order.
  virtual absl::StatusOr<std::vector<SubjectKeyEvent>> ListSubjectKeyEventsAfter(int64_t seq,
                                                                                 int limit) = 0;
  // Deletes the subject's consents, payloads and key in one versioned transaction, and
  // writes an erasure event (with its own seq) for the key, so following nodes drop it.
  virtual absl::StatusOr<SubjectErasure> EraseSubject(const std::string& subject) = 0;
  // Payloads: plain writes, not versioned (no snapshot holds them; a bump per captured
  // request would make every node reload its snapshot).
  virtual absl::Status AddPayloads(const std::vector<PayloadRecord>& payloads) = 0;
  virtual absl::StatusOr<std::vector<PayloadRecord>> ListPayloads(const std::string& subject) = 0;
  // Deletes payloads of `provider` created before `before` (unix seconds); returns how many.
  virtual absl::StatusOr<int64_t> DeletePayloadsBefore(const std::string& provider,
                                                       int64_t before) = 0;
  // Providers that have stored payloads.
  virtual absl::StatusOr<std::vector<std::string>> PayloadProviders() = 0;

  // --- Token-signing keys (issue 3, OAuth2). Versioned, so a rotation reaches every node
  // within a second. InsertSigningKeyIfNone adds `key` only when no key is active and
  // returns whether it did (processes starting together create exactly one).
  virtual absl::StatusOr<bool> InsertSigningKeyIfNone(const SigningKeyRecord& key) = 0;
  // Makes `next` the active key: the active one gets retired_at = `at` and not_after =
  // `old_not_after`; retired keys whose not_after has passed (< at) are deleted.
  virtual absl::Status RotateSigningKey(const SigningKeyRecord& next, int64_t at,
                                        int64_t old_not_after) = 0;
  virtual absl::StatusOr<std::vector<SigningKeyRecord>> ListSigningKeys() = 0;

  // --- Usage counters for quotas (issue 4). One row per (scope, id, unit, period):
  // scope "key" or "tenant", unit "requests" or "video_seconds", period "2026-11-25"
  // (UTC day) or "2026-11" (UTC month). AddUsage adds deltas (never absolute totals), so
  // several gateway processes on one store cannot overwrite each other's counts.
  virtual absl::Status AddUsage(const std::vector<UsageRecord>& deltas) = 0;
  // Rows of the given periods; `scope`/`id` "" match any.
  virtual absl::StatusOr<std::vector<UsageRecord>> ListUsage(
      const std::vector<std::string>& periods, const std::string& scope = "",
      const std::string& id = "") = 0;
};

// Opens (and migrates) the store named by `url`: "sqlite://relative" is resolved against
// `base_dir`, "sqlite:///absolute" is used as is.
absl::StatusOr<std::unique_ptr<Store>> OpenStore(const std::string& url,
                                                 const std::string& base_dir);

}  // namespace bulwark
