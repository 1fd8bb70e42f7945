#include "pipeline/snapshot.h"

#include <spdlog/spdlog.h>

#include "base/status_macros.h"

namespace bulwark {
namespace {

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

absl::StatusOr<std::shared_ptr<const AccessSnapshot>> LoadSnapshot(
    Store& store, const MasterKey& master, int* skipped,
    std::shared_ptr<subjects::SubjectKeyCache> subject_keys) {
  auto snap = std::make_shared<AccessSnapshot>();
  int bad = 0;
  // Read the version first: a change racing with this load bumps it again, so the next
  // poll reloads rather than missing the change.
  ASSIGN_OR_RETURN(snap->version, store.Version());
  ASSIGN_OR_RETURN(std::vector<KeyRecord> keys, store.ListKeys());
  for (KeyRecord& k : keys) {
    auto entry = std::make_shared<KeyEntry>();
    bool ok = true;
    for (const std::string& c : k.allow_ips) {
      auto cidr = Cidr::Parse(c);
      if (!cidr.ok()) {
        ok = false;
        break;
      }
      entry->allow.push_back(*cidr);
    }
    for (const std::string& r : k.rates) {
      auto rule = ParseRateRule(r);  // N/PERIOD or OPERATION=N/PERIOD (issue 4)
      if (!rule.ok()) {
        ok = false;
        break;
      }
      if (rule->operation.empty()) {
        entry->rates.push_back(rule->rate);
      } else {
        entry->op_rates.push_back(std::move(*rule));
      }
    }
    for (const std::string& q : k.quotas) {
      auto quota = ParseQuotaRule(q);
      if (!quota.ok()) {
        ok = false;
        break;
      }
      entry->quotas.push_back(*quota);
    }
    if (!ok) {
      ++bad;
      continue;
    }
    std::string hash = k.secret_hash;
    std::string previous = k.previous_secret_hash;
    entry->record = std::move(k);
    std::shared_ptr<const KeyEntry> shared = std::move(entry);
    snap->keys_by_id.emplace(shared->record.id, shared);
    if (!previous.empty()) snap->keys_by_hash.emplace(std::move(previous), shared);
    snap->keys_by_hash.emplace(std::move(hash), std::move(shared));
  }
  Secret vault = master.Derive(KeyPurpose::kSecrets);
  ASSIGN_OR_RETURN(std::vector<SecretRecord> secrets, store.ListSecrets());
  for (const SecretRecord& s : secrets) {
    auto plain = Open(vault, s.sealed, "secret:" + s.name);
    if (!plain.ok()) {
      ++bad;
      continue;
    }
    snap->secrets.emplace(s.name, std::move(*plain));
  }
  ASSIGN_OR_RETURN(std::vector<AdminTokenRecord> admins, store.ListAdminTokens());
  for (AdminTokenRecord& a : admins) {
    if (a.revoked_at != 0) continue;
    std::string hash = a.token_hash;
    snap->admin_by_hash.emplace(std::move(hash), std::move(a));
  }
  ASSIGN_OR_RETURN(std::vector<SuspensionRecord> suspensions, store.ListSuspensions());
  for (SuspensionRecord& r : suspensions) {
    if (r.scope == "all") {
      snap->frozen_all = std::make_shared<const SuspensionRecord>(std::move(r));
    } else if (r.scope == "tenant") {
      std::string target = r.target;
      snap->frozen_tenants.insert_or_assign(std::move(target), std::move(r));
    } else if (r.scope == "key") {
      std::string target = r.target;
      snap->key_suspensions.insert_or_assign(std::move(target), std::move(r));
    } else {
      ++bad;  // an unknown scope from a newer binary: not understood, reported
    }
  }
  ASSIGN_OR_RETURN(std::vector<ConsentRecord> consents, store.ListLiveConsents());
  for (ConsentRecord& c : consents) {
    snap->consents_by_subject[c.subject].push_back({std::move(c.purpose), std::move(c.provider)});
  }
  // Subject keys are not reloaded: the caller's cache is shared as is (it follows the
  // store by seq, see SnapshotSource::RefreshNow). A standalone load makes a fresh one.
  if (subject_keys == nullptr) {
    subject_keys = std::make_shared<subjects::SubjectKeyCache>(master);
    RETURN_IF_ERROR(subject_keys->Load(store, &bad));
  }
  snap->subject_keys = std::move(subject_keys);
  ASSIGN_OR_RETURN(std::vector<SigningKeyRecord> signing, store.ListSigningKeys());
  int bad_signing = 0;
  snap->signing = auth::KeyRing::Build(signing, master, &bad_signing);
  bad += bad_signing;
  if (skipped != nullptr) *skipped = bad;
  return std::shared_ptr<const AccessSnapshot>(std::move(snap));
}

SnapshotSource::SnapshotSource(Store& store, const MasterKey& master,
                               std::chrono::milliseconds poll_interval)
    : store_(store), master_(master), poll_interval_(poll_interval) {}

SnapshotSource::~SnapshotSource() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

absl::Status SnapshotSource::Start() {
  int skipped = 0;
  auto subject_keys = std::make_shared<subjects::SubjectKeyCache>(master_);
  RETURN_IF_ERROR(subject_keys->Load(store_, &skipped));
  subject_keys_ = std::move(subject_keys);
  ASSIGN_OR_RETURN(auto snap, LoadSnapshot(store_, master_, &skipped, subject_keys_));
  if (skipped > 0) spdlog::warn("{} store rows could not be read and were skipped", skipped);
  current_.store(std::move(snap));
  last_ok_ns_ = NowNs();
  thread_ = std::thread([this] { Loop(); });
  return absl::OkStatus();
}

bool SnapshotSource::Fresh() const {
  int64_t age = NowNs() - last_ok_ns_.load();
  return age < std::chrono::duration_cast<std::chrono::nanoseconds>(poll_interval_ * 8).count() +
                   2'000'000'000;
}

absl::Status SnapshotSource::RefreshNow() {
  ASSIGN_OR_RETURN(int64_t version, store_.Version());
  int skipped = 0;
  if (version != current_.load()->version) {
    ASSIGN_OR_RETURN(auto snap, LoadSnapshot(store_, master_, &skipped, subject_keys_));
    current_.store(std::move(snap));
  }
  // New subject keys and erasures, incrementally (an erasure also moves the version, but
  // the cache drops the key only through its tombstone, in seq order).
  RETURN_IF_ERROR(subject_keys_->Follow(store_, &skipped));
  if (skipped > 0) spdlog::warn("{} store rows could not be read and were skipped", skipped);
  last_ok_ns_ = NowNs();
  return absl::OkStatus();
}

void SnapshotSource::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    cv_.wait_for(lock, poll_interval_, [this] { return stop_; });
    if (stop_) break;
    lock.unlock();
    absl::Status st = RefreshNow();
    if (!st.ok()) spdlog::warn("store refresh failed: {}", st.ToString());
    lock.lock();
  }
}

}  // namespace bulwark
