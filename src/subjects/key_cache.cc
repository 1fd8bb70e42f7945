#include "subjects/key_cache.h"

#include <utility>

#include "base/status_macros.h"

namespace bulwark::subjects {

using KeyPtr = std::shared_ptr<const SubjectKey>;

SubjectKeyCache::SubjectKeyCache(const MasterKey& master) : ring_(master) {}

absl::StatusOr<KeyPtr> SubjectKeyCache::Unseal(const SubjectKeyRecord& record) {
  unseals_.fetch_add(1, std::memory_order_relaxed);
  return ring_.Open(record);
}

bool SubjectKeyCache::HasLocked(const std::string& lookup, int64_t seq) const {
  auto it = by_lookup_.find(lookup);
  return it != by_lookup_.end() && it->second.seq == seq;
}

const KeyPtr& SubjectKeyCache::InsertLocked(const std::string& lookup, int64_t seq, KeyPtr key) {
  auto it = by_lookup_.find(lookup);
  if (it != by_lookup_.end()) {
    if (it->second.seq >= seq) return it->second.key;  // the same or a newer key is held
    lookup_by_seq_.erase(it->second.seq);
  }
  lookup_by_seq_.insert_or_assign(seq, lookup);
  return by_lookup_.insert_or_assign(lookup, Entry{seq, std::move(key)}).first->second.key;
}

absl::Status SubjectKeyCache::Load(Store& store, int* skipped) {
  absl::MutexLock follow(&follow_mu_);
  // The seq first: a key created after it is listed too or read by the next Follow; one
  // erased after it leaves a tombstone past the cursor.
  ASSIGN_OR_RETURN(int64_t seq, store.SubjectKeySeq());
  ASSIGN_OR_RETURN(std::vector<SubjectKeyRecord> rows, store.ListSubjectKeys());
  std::unordered_map<std::string, Entry> by_lookup;
  std::unordered_map<int64_t, std::string> lookup_by_seq;
  by_lookup.reserve(rows.size());
  lookup_by_seq.reserve(rows.size());
  int bad = 0;
  for (const SubjectKeyRecord& row : rows) {
    auto key = Unseal(row);
    if (!key.ok()) {
      ++bad;
      continue;
    }
    lookup_by_seq.emplace(row.seq, row.subject);
    by_lookup.insert_or_assign(row.subject, Entry{row.seq, std::move(*key)});
  }
  {
    absl::MutexLock lock(&mu_);
    by_lookup_ = std::move(by_lookup);
    lookup_by_seq_ = std::move(lookup_by_seq);
    cursor_ = seq;
  }
  if (skipped != nullptr) *skipped += bad;
  return absl::OkStatus();
}

absl::Status SubjectKeyCache::Follow(Store& store, int* skipped) {
  while (true) {
    int64_t from = cursor();
    ASSIGN_OR_RETURN(std::vector<SubjectKeyEvent> events,
                     store.ListSubjectKeyEventsAfter(from, kFollowBatch));
    Apply(events, skipped);
    if (static_cast<int>(events.size()) < kFollowBatch) return absl::OkStatus();
  }
}

void SubjectKeyCache::Apply(const std::vector<SubjectKeyEvent>& events, int* skipped) {
  absl::MutexLock follow(&follow_mu_);
  // Unseal the new keys without holding the data plane's lock. Only this function and
  // Load move the cursor, and they are serialised by follow_mu_.
  std::vector<KeyPtr> unsealed(events.size());
  std::vector<bool> bad(events.size(), false);
  {
    std::vector<size_t> todo;
    {
      absl::ReaderMutexLock lock(&mu_);
      for (size_t i = 0; i < events.size(); ++i) {
        const SubjectKeyEvent& e = events[i];
        if (e.seq > cursor_ && e.erased_key_seq == 0 && !HasLocked(e.key.subject, e.seq)) {
          todo.push_back(i);
        }
      }
    }
    for (size_t i : todo) {
      auto key = Unseal(events[i].key);
      if (key.ok()) {
        unsealed[i] = std::move(*key);
      } else {
        bad[i] = true;
      }
    }
  }
  int bad_count = 0;
  absl::MutexLock lock(&mu_);
  for (size_t i = 0; i < events.size(); ++i) {
    const SubjectKeyEvent& e = events[i];
    if (e.seq <= cursor_) continue;  // a late or repeated read: already applied
    cursor_ = e.seq;
    if (e.erased_key_seq != 0) {
      auto by_seq = lookup_by_seq_.find(e.erased_key_seq);
      if (by_seq == lookup_by_seq_.end()) continue;
      auto it = by_lookup_.find(by_seq->second);
      if (it != by_lookup_.end() && it->second.seq == e.erased_key_seq) by_lookup_.erase(it);
      lookup_by_seq_.erase(by_seq);
      continue;
    }
    if (bad[i]) {
      ++bad_count;
      continue;
    }
    if (unsealed[i] == nullptr) continue;  // adopted already, same seq
    InsertLocked(e.key.subject, e.seq, std::move(unsealed[i]));
  }
  if (skipped != nullptr) *skipped += bad_count;
}

KeyPtr SubjectKeyCache::Find(const std::string& lookup) const {
  absl::ReaderMutexLock lock(&mu_);
  auto it = by_lookup_.find(lookup);
  return it == by_lookup_.end() ? nullptr : it->second.key;
}

absl::StatusOr<KeyPtr> SubjectKeyCache::Adopt(const SubjectKeyRecord& record) {
  {
    absl::ReaderMutexLock lock(&mu_);
    auto it = by_lookup_.find(record.subject);
    if (it != by_lookup_.end() && it->second.seq == record.seq) return it->second.key;
  }
  ASSIGN_OR_RETURN(KeyPtr key, Unseal(record));
  absl::MutexLock lock(&mu_);
  // At or below the cursor and not held: its erasure has been applied (never re-insert).
  if (record.seq <= cursor_) return key;
  return InsertLocked(record.subject, record.seq, std::move(key));
}

size_t SubjectKeyCache::size() const {
  absl::ReaderMutexLock lock(&mu_);
  return by_lookup_.size();
}

int64_t SubjectKeyCache::cursor() const {
  absl::ReaderMutexLock lock(&mu_);
  return cursor_;
}

}  // namespace bulwark::subjects
