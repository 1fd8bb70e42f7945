// File: subject_resolver.h
// SubjectResolver: finds the random key of the subject named by X-Bulwark-Subject.
//
// Known subjects are answered from the snapshot's SubjectKeyCache (subjects/key_cache.h:
// keys unsealed once, followed by seq on every snapshot poll), so the data plane does no
// store I/O for them. On a miss (a first-seen subject, or one another node created since
// the last poll) the key is read, or created, through the store on a dedicated thread
// (never on an event loop): one indexed lookup, plus one insert for a new subject, which
// does not move the store version. Creation is race-safe across serve processes: the
// store keeps the first row and every creator reads that row back
// (Store::GetOrCreateSubjectKey), so a subject never gets two keys.
//
// Erasure: the key read on a miss goes into the cache through SubjectKeyCache::Adopt,
// which never re-inserts a key whose erasure was already applied; later erasures reach
// the cache through the follow, within one snapshot poll.
//
// Thread-safety: all methods may be called from any thread.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <utility>  // std::exchange, used by asio/awaitable.hpp

#include <boost/asio/awaitable.hpp>
#include <boost/asio/thread_pool.hpp>

#include "absl/status/statusor.h"
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

  // The key if the snapshot's subject-key cache has it; nullptr otherwise. No I/O.
  std::shared_ptr<const subjects::SubjectKey> Known(const AccessSnapshot& snapshot,
                                                    const std::string& lookup);

  // Reads (or creates) the key through the store on the resolver's thread, adds it to
  // `cache` (the caller's snapshot's subject_keys) and resumes on the caller's executor.
  boost::asio::awaitable<absl::StatusOr<std::shared_ptr<const subjects::SubjectKey>>> GetOrCreate(
      std::string lookup, std::shared_ptr<subjects::SubjectKeyCache> cache);

 private:
  Store& store_;
  subjects::Keyring ring_;
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
