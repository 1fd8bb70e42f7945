// File: ownership_index.h
// OwnershipIndex: which tenant owns each vendor object created through bulwark, held in
// memory for the data plane and kept in the store for the other nodes.
//
// Bind() is called on the event loop when a vendor answer names a new object: the binding
// is visible on this node at once and is written to the store by a background thread
// (the event loop never waits on the store). The same thread pulls other nodes' bindings
// by sequence number every `poll` interval, so an object created on node A is readable
// through node B within about a second. Lookups of unknown objects answer "no owner",
// which the stage turns into 404: the index fails closed.
//
//   OwnershipIndex index(store);
//   RETURN_IF_ERROR(index.Load());
//   index.Start();
//   index.Bind({.provider = "heygen", .kind = "video", .id = "v1", .tenant = "acme"});
//   index.Owner("heygen", "video", "v1");  // "acme"
#pragma once

#include <chrono>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "storage/store.h"

namespace bulwark {

class OwnershipIndex {
 public:
  explicit OwnershipIndex(Store& store,
                          std::chrono::milliseconds poll = std::chrono::milliseconds(250));
  ~OwnershipIndex();
  OwnershipIndex(const OwnershipIndex&) = delete;
  OwnershipIndex& operator=(const OwnershipIndex&) = delete;

  // Reads every binding from the store (call once before serving).
  absl::Status Load();
  // Starts the background writer and follower; Stop() (or the destructor) flushes pending
  // bindings and joins it.
  void Start();
  void Stop();

  std::optional<std::string> Owner(std::string_view provider, std::string_view kind,
                                   std::string_view id) const;
  // Binds a new object to `resource.tenant` unless it already has an owner (the first
  // owner wins, here and in the store).
  void Bind(ResourceRecord resource);

  // Writes pending bindings and pulls new ones now (the background loop's body; tests).
  absl::Status SyncNow();
  size_t size() const;

 private:
  static std::string MapKey(std::string_view provider, std::string_view kind, std::string_view id);
  absl::Status Pull();
  void Run();

  Store& store_;
  const std::chrono::milliseconds poll_;

  mutable absl::Mutex mu_;
  std::unordered_map<std::string, std::string> owners_ ABSL_GUARDED_BY(mu_);  // -> tenant
  std::deque<ResourceRecord> pending_ ABSL_GUARDED_BY(mu_);
  int64_t cursor_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;

  absl::Mutex sync_mu_;  // one SyncNow at a time
  std::thread thread_;
};

}  // namespace bulwark
