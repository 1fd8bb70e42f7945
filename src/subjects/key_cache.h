// File: key_cache.h
// SubjectKeyCache: every subject key this node knows, unsealed once, kept across snapshot
// reloads and followed incrementally (issue 6 follow-up).
//
// Subject keys are not versioned in the store (a first-seen subject must not make every
// node reload everything). Instead, key creations and erasures form one log ordered by
// `seq` (Store::ListSubjectKeyEventsAfter). The cache is filled once (Load), then Follow()
// applies only the events after its cursor, unsealing only new keys; SnapshotSource calls
// it on every poll, and every snapshot shares the same cache.
//
//   auto cache = std::make_shared<SubjectKeyCache>(master);
//   RETURN_IF_ERROR(cache->Load(store));
//   ...
//   RETURN_IF_ERROR(cache->Follow(store));        // every poll
//   auto key = cache->Find(lookup);               // data plane, no I/O
//
// Erasure can never be undone by a late read: events are applied strictly in seq order
// and only past the cursor (a stale batch is ignored), and a key read directly from the
// store on a miss (Adopt) is cached only when its seq is past the cursor, so any later
// erasure tombstone (seq greater still) is bound to be applied after it. A key at or below
// the cursor that the cache does not hold has been erased: it is never re-inserted.
//
// Memory: one entry per subject key in the store, not bounded by the cache itself (the
// store's subject count bounds it; a snapshot held every key before too). An entry is the
// lookup hash twice (by lookup and by seq, for tombstones) and the unsealed key, about
// 0.5 KiB: a million subjects take about 500 MiB on every node. Subjects are created only
// by authenticated, admitted requests (SubjectKeyStage) and removed by erasure.
//
// Thread-safety: all methods may be called from any thread; Find takes a shared lock.
// Load and Follow are serialised among themselves and never hold the data-plane lock while
// they read the store or unseal.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "crypto/keys.h"
#include "storage/store.h"
#include "subjects/keyring.h"

namespace bulwark::subjects {

class SubjectKeyCache {
 public:
  // Events read per store query while following.
  static constexpr int kFollowBatch = 1000;

  explicit SubjectKeyCache(const MasterKey& master);
  SubjectKeyCache(const SubjectKeyCache&) = delete;
  SubjectKeyCache& operator=(const SubjectKeyCache&) = delete;

  // Replaces the contents with every key in the store (reads the log's seq first, so
  // nothing that commits meanwhile is missed by the next Follow). Rows that do not
  // unseal are skipped and counted in `*skipped`.
  absl::Status Load(Store& store, int* skipped = nullptr);
  // Applies every event after the cursor: new keys are unsealed and added, erased keys
  // dropped. On a store error the cache keeps what it had (and the cursor) and the error
  // is returned.
  absl::Status Follow(Store& store, int* skipped = nullptr);
  // Applies one batch as Follow does (events at or below the cursor are ignored). For
  // Follow and for tests that replay a late read.
  void Apply(const std::vector<SubjectKeyEvent>& events, int* skipped = nullptr);

  // The subject's key, nullptr if this node does not hold one. No I/O.
  std::shared_ptr<const SubjectKey> Find(const std::string& lookup) const;
  // Unseals a row read directly from the store (a miss on the data plane) and caches it if
  // it is newer than the cursor (see the file comment). Returns the key either way; the
  // caller got the row from the store just now. DataLoss if it does not unseal.
  absl::StatusOr<std::shared_ptr<const SubjectKey>> Adopt(const SubjectKeyRecord& record);

  size_t size() const;
  int64_t cursor() const;
  // Keys unsealed by this cache since it was made (tests and benchmarks).
  int64_t unseals() const { return unseals_.load(); }

 private:
  struct Entry {
    int64_t seq = 0;
    std::shared_ptr<const SubjectKey> key;
  };
  absl::StatusOr<std::shared_ptr<const SubjectKey>> Unseal(const SubjectKeyRecord& record);
  bool HasLocked(const std::string& lookup, int64_t seq) const ABSL_SHARED_LOCKS_REQUIRED(mu_);
  // Holds `key` as the subject's key at `seq` unless the same or a newer seq is held;
  // returns the key held afterwards. The one insertion rule for Apply and Adopt.
  const std::shared_ptr<const SubjectKey>& InsertLocked(const std::string& lookup, int64_t seq,
                                                        std::shared_ptr<const SubjectKey> key)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const Keyring ring_;
  absl::Mutex follow_mu_;  // one Load / Follow / Apply at a time
  mutable absl::Mutex mu_;
  std::unordered_map<std::string, Entry> by_lookup_ ABSL_GUARDED_BY(mu_);
  std::unordered_map<int64_t, std::string> lookup_by_seq_ ABSL_GUARDED_BY(mu_);
  int64_t cursor_ ABSL_GUARDED_BY(mu_) = 0;
  std::atomic<int64_t> unseals_{0};
};

}  // namespace bulwark::subjects
