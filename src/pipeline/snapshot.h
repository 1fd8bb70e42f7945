// File: snapshot.h
// AccessSnapshot: an immutable, in-memory view of keys, vendor secrets and admin tokens,
// so the hot path never touches the store. SnapshotSource polls the store's change
// version every `poll_interval` (default 250 ms) on a background thread and swaps in a
// fresh snapshot when it moves: a key revoked by the CLI is refused by every running
// process within a second. If the store cannot be read, the last snapshot is kept and
// Fresh() turns false (readyz reports it). Subject keys do not move the version: the
// source owns one subjects::SubjectKeyCache, shared by all its snapshots, and follows new
// keys and erasures by seq on every poll (only new keys are unsealed).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "absl/status/statusor.h"
#include "auth/signing_keys.h"
#include "base/cidr.h"
#include "base/limit_rules.h"
#include "base/secret.h"
#include "base/units.h"
#include "crypto/keys.h"
#include "storage/store.h"
#include "subjects/key_cache.h"
#include "subjects/keyring.h"

namespace bulwark {

struct KeyEntry {
  KeyRecord record;
  std::vector<Cidr> allow;
  std::vector<Rate> rates;
  // Issue 4: --rate OPERATION=N/PERIOD rules (plain N/PERIOD ones are in `rates`) and
  // --quota rules.
  std::vector<RateRule> op_rates;
  std::vector<QuotaRule> quotas;
};

struct AccessSnapshot {
  int64_t version = 0;
  std::unordered_map<std::string, std::shared_ptr<const KeyEntry>> keys_by_hash;
  std::unordered_map<std::string, Secret> secrets;  // decrypted vendor credentials
  std::unordered_map<std::string, AdminTokenRecord> admin_by_hash;
  // OAuth2 (issue 3): keys by id (a token's `sub`), and the token-signing keys.
  std::unordered_map<std::string, std::shared_ptr<const KeyEntry>> keys_by_id;
  std::shared_ptr<const auth::KeyRing> signing;
  // Incident response (issue 7): suspended or throttled keys by key id, frozen tenants by
  // name, and a freeze of everything (scope "all"), loaded with the rest so that a change
  // reaches every node within a poll interval.
  std::unordered_map<std::string, SuspensionRecord> key_suspensions;
  std::unordered_map<std::string, SuspensionRecord> frozen_tenants;
  std::shared_ptr<const SuspensionRecord> frozen_all;
  // Consent and data subjects (issue 6), keyed by the subject's lookup hash
  // (subjects/keyring.h): the live consents, and the subjects' keys. The keys are not
  // rebuilt per reload: every snapshot of a SnapshotSource shares one SubjectKeyCache,
  // filled once and followed by seq on every poll (subjects/key_cache.h), so the data
  // plane derives pseudonyms without touching the store. Never null.
  struct ConsentGrant {
    std::string purpose;
    std::string provider;  // "" = every provider
  };
  std::unordered_map<std::string, std::vector<ConsentGrant>> consents_by_subject;
  std::shared_ptr<subjects::SubjectKeyCache> subject_keys;
};

// Builds a snapshot from the store. Rows that fail to decrypt or parse are skipped (and
// counted in `skipped`) so one bad row cannot take the gateway down; they simply do not
// authenticate. `subject_keys` is carried into the snapshot as is (no subject key is read
// or unsealed); when null, a fresh cache is made and loaded from the store.
absl::StatusOr<std::shared_ptr<const AccessSnapshot>> LoadSnapshot(
    Store& store, const MasterKey& master, int* skipped = nullptr,
    std::shared_ptr<subjects::SubjectKeyCache> subject_keys = nullptr);

class SnapshotSource {
 public:
  SnapshotSource(Store& store, const MasterKey& master,
                 std::chrono::milliseconds poll_interval = std::chrono::milliseconds(250));
  ~SnapshotSource();

  // Loads the first snapshot; must succeed before serving.
  absl::Status Start();
  std::shared_ptr<const AccessSnapshot> Current() const { return current_.load(); }
  // True when the store version was confirmed within the last few poll intervals.
  bool Fresh() const;
  // Checks the version now (used after a nudge and by tests), and follows new subject
  // keys and erasures (which do not move the version for creations).
  absl::Status RefreshNow();
  // The subject-key cache shared by every snapshot of this source (null before Start).
  const std::shared_ptr<subjects::SubjectKeyCache>& subject_keys() const { return subject_keys_; }

 private:
  void Loop();

  Store& store_;
  const MasterKey& master_;
  std::chrono::milliseconds poll_interval_;
  std::shared_ptr<subjects::SubjectKeyCache> subject_keys_;
  std::atomic<std::shared_ptr<const AccessSnapshot>> current_;
  std::atomic<int64_t> last_ok_ns_{0};
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace bulwark
