#include "pipeline/ownership/ownership_index.h"

#include <spdlog/spdlog.h>

#include "base/status_macros.h"

namespace bulwark {
namespace {

// Bindings waiting for the store beyond this are kept in memory only (this node still
// enforces them; other nodes answer 404 for them, which fails closed).
constexpr size_t kMaxPending = 100000;
constexpr int kPullBatch = 5000;

}  // namespace

OwnershipIndex::OwnershipIndex(Store& store, std::chrono::milliseconds poll)
    : store_(store), poll_(poll) {}

OwnershipIndex::~OwnershipIndex() { Stop(); }

std::string OwnershipIndex::MapKey(std::string_view provider, std::string_view kind,
                                   std::string_view id) {
  std::string key;
  key.reserve(provider.size() + kind.size() + id.size() + 2);
  key.append(provider).push_back('\0');
  key.append(kind).push_back('\0');
  key.append(id);
  return key;
}

absl::Status OwnershipIndex::Load() { return Pull(); }

absl::Status OwnershipIndex::Pull() {
  while (true) {
    int64_t cursor;
    {
      absl::MutexLock lock(&mu_);
      cursor = cursor_;
    }
    ASSIGN_OR_RETURN(std::vector<ResourceRecord> rows,
                     store_.ListResourcesAfter(cursor, kPullBatch));
    absl::MutexLock lock(&mu_);
    for (ResourceRecord& r : rows) {
      // The store's first owner is authoritative: it replaces a local binding made in the
      // same instant by another tenant (which the store refused).
      owners_[MapKey(r.provider, r.kind, r.id)] = std::move(r.tenant);
      cursor_ = std::max(cursor_, r.seq);
    }
    if (static_cast<int>(rows.size()) < kPullBatch) return absl::OkStatus();
  }
}

std::optional<std::string> OwnershipIndex::Owner(std::string_view provider, std::string_view kind,
                                                 std::string_view id) const {
  absl::ReaderMutexLock lock(&mu_);
  auto it = owners_.find(MapKey(provider, kind, id));
  if (it == owners_.end()) return std::nullopt;
  return it->second;
}

void OwnershipIndex::Bind(ResourceRecord resource) {
  absl::MutexLock lock(&mu_);
  auto [it, inserted] =
      owners_.try_emplace(MapKey(resource.provider, resource.kind, resource.id), resource.tenant);
  if (!inserted) return;
  if (pending_.size() >= kMaxPending) {
    spdlog::warn("ownership: store write queue full; {} {} bound on this node only", resource.kind,
                 resource.id);
    return;
  }
  pending_.push_back(std::move(resource));
}

absl::Status OwnershipIndex::SyncNow() {
  absl::MutexLock sync(&sync_mu_);
  std::deque<ResourceRecord> batch;
  {
    absl::MutexLock lock(&mu_);
    batch.swap(pending_);
  }
  absl::Status status = absl::OkStatus();
  while (!batch.empty()) {
    absl::StatusOr<bool> put = store_.PutResource(batch.front());
    if (!put.ok()) {
      status = put.status();
      break;
    }
    batch.pop_front();
  }
  if (!batch.empty()) {  // retry the rest on the next round, ahead of newer ones
    absl::MutexLock lock(&mu_);
    for (auto it = batch.rbegin(); it != batch.rend(); ++it) pending_.push_front(std::move(*it));
  }
  RETURN_IF_ERROR(status);
  return Pull();
}

size_t OwnershipIndex::size() const {
  absl::ReaderMutexLock lock(&mu_);
  return owners_.size();
}

void OwnershipIndex::Start() {
  if (thread_.joinable()) return;
  thread_ = std::thread([this] { Run(); });
}

void OwnershipIndex::Run() {
  while (true) {
    absl::Status st = SyncNow();
    if (!st.ok()) spdlog::warn("ownership: store sync failed: {}", st.ToString());
    absl::MutexLock lock(&mu_);
    if (stopping_) break;
    mu_.AwaitWithTimeout(absl::Condition(&stopping_), absl::FromChrono(poll_));
    if (stopping_) break;
  }
}

void OwnershipIndex::Stop() {
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
  absl::Status st = SyncNow();  // flush what the last round left
  if (!st.ok()) spdlog::warn("ownership: final store sync failed: {}", st.ToString());
}

}  // namespace bulwark
