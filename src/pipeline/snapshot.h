// File: snapshot.h
// AccessSnapshot: an immutable, in-memory view of keys, vendor secrets and admin tokens,
// so the hot path never touches the store. SnapshotSource polls the store's change
// version every `poll_interval` (default 250 ms) on a background thread and swaps in a
// fresh snapshot when it moves: a key revoked by the CLI is refused by every running
// process within a second. If the store cannot be read, the last snapshot is kept and
// Fresh() turns false (readyz reports it).
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
#include "base/cidr.h"
#include "base/secret.h"
#include "base/units.h"
#include "crypto/keys.h"
#include "storage/store.h"

namespace bulwark {

struct KeyEntry {
  KeyRecord record;
  std::vector<Cidr> allow;
  std::vector<Rate> rates;
};

struct AccessSnapshot {
  int64_t version = 0;
  std::unordered_map<std::string, std::shared_ptr<const KeyEntry>> keys_by_hash;
  std::unordered_map<std::string, Secret> secrets;  // decrypted vendor credentials
  std::unordered_map<std::string, AdminTokenRecord> admin_by_hash;
};

// Builds a snapshot from the store. Rows that fail to decrypt or parse are skipped (and
// counted in `skipped`) so one bad row cannot take the gateway down; they simply do not
// authenticate.
absl::StatusOr<std::shared_ptr<const AccessSnapshot>> LoadSnapshot(Store& store,
                                                                   const MasterKey& master,
                                                                   int* skipped = nullptr);

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
  // Checks the version now (used after a nudge and by tests).
  absl::Status RefreshNow();

 private:
  void Loop();

  Store& store_;
  const MasterKey& master_;
  std::chrono::milliseconds poll_interval_;
  std::atomic<std::shared_ptr<const AccessSnapshot>> current_;
  std::atomic<int64_t> last_ok_ns_{0};
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace bulwark
