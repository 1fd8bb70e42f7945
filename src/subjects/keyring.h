// File: keyring.h
// Per-subject keys: the crypto-shredding design of issue 6.
//
// Every data subject (the person named by X-Bulwark-Subject) gets a RANDOM 32-byte key,
// created on first use and stored sealed (XChaCha20-Poly1305 under a master-derived key)
// in the store's `subject_keys` table. The row is found by the subject's lookup hash, a
// keyed hash of the raw id under a master-derived key, which is also how consents and
// payloads name the subject. Everything that must stop being linkable after erasure
// derives from the random key, never from the master key:
//
//   pseudonym      audit records' `subject` and vendor-resource bindings
//   pseudonym key  the per-subject PII pseudonym tokens (<EMAIL_…>)
//   payload key    AEAD key of captured payloads of that subject
//
// `subjects erase` deletes the key row: a holder of the master key can still recompute the
// lookup hash of a suspected id, but the rows it would find are gone, and the pseudonyms
// left in the (immutable) audit chain cannot be recomputed from anything that remains.
//
//   subjects::Keyring ring(master);
//   std::string lookup = ring.Lookup("user-42");
//   ASSIGN_OR_RETURN(auto key, ring.GetOrCreate(store, lookup));   // one store call
//   record.subject = key->pseudonym();
//
// Thread-safety: Keyring and SubjectKey are immutable after construction.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "base/secret.h"
#include "crypto/keys.h"
#include "storage/store.h"

namespace bulwark::subjects {

// Subject ids: 1-256 bytes, no control bytes. Purposes: 1-64 of [A-Za-z0-9_.:-].
// InvalidArgument naming the rule otherwise.
absl::Status ValidateSubject(std::string_view subject);
absl::Status ValidatePurpose(std::string_view purpose);
bool IsValidPurpose(std::string_view purpose);

// The material derived from one subject's random key (computed once, at construction).
class SubjectKey {
 public:
  explicit SubjectKey(const Secret& raw);

  // 32 hex characters; what audit records and resource bindings carry.
  const std::string& pseudonym() const { return pseudonym_; }
  // The key of privacy::Pseudonymizer for this subject's tokens.
  const Secret& pseudonym_key() const { return pseudonym_key_; }
  // 32-byte AEAD key for this subject's captured payloads.
  const Secret& payload_key() const { return payload_key_; }

 private:
  std::string pseudonym_;
  Secret pseudonym_key_;
  Secret payload_key_;
};

class Keyring {
 public:
  explicit Keyring(const MasterKey& master);

  // The keyed lookup hash of a raw subject id (64 hex).
  std::string Lookup(std::string_view subject) const;

  // A fresh random key for `lookup`, sealed, ready for Store::GetOrCreateSubjectKey.
  SubjectKeyRecord NewRecord(const std::string& lookup, int64_t now) const;
  // Unseals a stored row. DataLoss if it does not authenticate.
  absl::StatusOr<std::shared_ptr<const SubjectKey>> Open(const SubjectKeyRecord& record) const;

  // The subject's key, created if absent (safe against concurrent creators: the store
  // keeps the first row and everyone reads it back). Blocks on the store.
  absl::StatusOr<std::shared_ptr<const SubjectKey>> GetOrCreate(Store& store,
                                                                const std::string& lookup) const;
  // The subject's key if it exists (nullptr if not). Blocks on the store.
  absl::StatusOr<std::shared_ptr<const SubjectKey>> Find(Store& store,
                                                         const std::string& lookup) const;

  // Seals / opens a payload body: under `key` when the record names a subject, else under
  // a random per-record key that is itself sealed with the master-derived payload key.
  void SealPayload(const SubjectKey* key, std::string_view body, PayloadRecord* record) const;
  absl::StatusOr<std::string> OpenPayload(const SubjectKey* key, const PayloadRecord& record) const;

 private:
  Secret lookup_key_;
  Secret seal_key_;
  Secret payload_key_;
};

}  // namespace bulwark::subjects
