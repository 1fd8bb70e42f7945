// File: subject_resolver.h
// SubjectResolver: finds the random key of the subject named by X-Bulwark-Subject.
//
// Known subjects are answered from the access snapshot (keys unsealed at reload), so the
// data plane does no store I/O for them. A first-seen subject's key is created through the
// store on a dedicated thread (never on an event loop) and kept in a small local cache
// until the snapshot carries it. Creation is race-safe across serve processes: the store
// keeps the first row and every creator reads that row back (Store::GetOrCreateSubjectKey).
//
// Erasure: the cache is dropped whenever a newer snapshot is seen, and a key fetched before
// a newer snapshot existed is not cached, so an erased subject's key stops being used
// within one snapshot poll.
//
// Thread-safety: all methods may be called from any thread.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>  // std::exchange, used by asio/awaitable.hpp

#include <boost/asio/awaitable.hpp>
#include <boost/asio/thread_pool.hpp>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "pipeline/context.h"
#include "pipeline/snapshot.h"
#include "storage/store.h"
#include "subjects/keyring.h"

namespace bulwark {

class SubjectResolver {
 public:
  // Creations waiting for the store at once; beyond this, GetOrCreate fails at once with
  // ResourceExhausted (a flood of new subjects cannot queue unbounded work).
  static constexpr int kMaxPending = 256;

  SubjectResolver(Store& store, const MasterKey& master);
  ~SubjectResolver();

  const subjects::Keyring& keyring() const { return ring_; }

  // The key if the snapshot or the local cache has it; nullptr otherwise. No I/O.
  std::shared_ptr<const subjects::SubjectKey> Known(const AccessSnapshot& snapshot,
                                                    const std::string& lookup);

  // Creates (or reads) the key through the store on the resolver's thread and resumes on
  // the caller's executor. `snapshot_version` is the version the caller's snapshot had.
  boost::asio::awaitable<absl::StatusOr<std::shared_ptr<const subjects::SubjectKey>>> GetOrCreate(
      std::string lookup, int64_t snapshot_version);

 private:
  Store& store_;
  subjects::Keyring ring_;
  absl::Mutex mu_;
  int64_t cache_version_ ABSL_GUARDED_BY(mu_) = 0;
  std::unordered_map<std::string, std::shared_ptr<const subjects::SubjectKey>> cache_
      ABSL_GUARDED_BY(mu_);
  std::atomic<int> pending_{0};
  boost::asio::thread_pool pool_{1};
};

// Reads X-Bulwark-Subject and X-Bulwark-Purpose into ctx: the subject's lookup hash, its
// key and pseudonym when already known (no I/O), and the purpose when well formed
// (subjects::IsValidPurpose; a malformed one is recorded as "invalid").
void IdentifySubject(RequestContext& ctx, SubjectResolver& resolver);

// A first-seen subject gets its key in SubjectKeyStage (subject_key_stage.h), before the
// consent stage.

}  // namespace bulwark
