// File: audit.h
// The tamper-evident audit log: one record per request decision, admin action and key or
// secret change, chained with a keyed hash so that a changed, deleted, inserted or
// reordered record is detected by Verify().
//
//   auto sink = OpenAuditLog(path, master.Derive(KeyPurpose::kAudit), "node-1");
//   (*sink)->Append(record, [](absl::Status st) { ... });   // group commit, then callback
//
// Durability: Append's callback runs only after the batch holding the record is committed
// and synced (group commit on a writer thread); it never runs on the caller's thread.
// Raw subject ids never reach a record: callers pass the keyed subject pseudonym.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/status/statusor.h"
#include "base/secret.h"

namespace bulwark {
struct Config;
}

namespace bulwark::audit {

struct Record {
  int64_t seq = 0;      // assigned by the log (1, 2, ...); ignored on Append
  int64_t time_ms = 0;  // unix milliseconds; 0 = now
  std::string kind;     // "request" | "admin" | "key" | "secret"
  std::string node;     // set by the log
  std::string request_id;
  std::string key_id;
  std::string tenant;
  std::string subject;  // keyed pseudonym of X-Bulwark-Subject, never the raw id
  std::string provider;
  std::string operation;
  int status = 0;
  std::string decision;  // "allowed" | "refused"
  std::string reason;    // contract error code for refusals, else ""
  double latency_ms = 0;
  std::map<std::string, int> pii;  // PII type -> count (never values)
  std::string pii_action;          // redact | pseudonymize | block | allow
  std::string actor;               // admin changes: "cli" or the admin token id
  std::string action;              // e.g. "keys.revoke", "secrets.set"
  std::string target;              // e.g. the key id or secret name
  // Added with consent (issue 6): X-Bulwark-Purpose, else the provider's required purpose.
  // Covered by the hash only when non-empty, so older records verify unchanged.
  std::string purpose;

  nlohmann::json ToJson() const;
};

class AuditLog {
 public:
  virtual ~AuditLog() = default;
  // Queues `record` for the next group commit. `done` runs on the writer thread with OK
  // once the record is durable, or the error that kept it from being written.
  virtual void Append(Record record, std::function<void(absl::Status)> done) = 0;
  // Append and wait (for the CLI and tests).
  absl::Status AppendSync(Record record);
};

// Opens (creating if needed) the SQLite audit log at `path`. `audit_key` is the master
// key's KeyPurpose::kAudit subkey; `node` names this process's chain.
absl::StatusOr<std::unique_ptr<AuditLog>> OpenAuditLog(const std::filesystem::path& path,
                                                       Secret audit_key, std::string node);

struct VerifyResult {
  bool ok = true;
  int64_t records = 0;
  int64_t first_bad = 0;  // seq of the first bad record when !ok
  std::string reason;
};
// Recomputes every chain and checks it against the checkpoints.
absl::StatusOr<VerifyResult> Verify(const std::filesystem::path& path, const Secret& audit_key);

struct SearchFilter {
  std::optional<std::string> key_id, tenant, subject, provider;
  std::optional<int> status;
  std::optional<int64_t> since_ms, until_ms;
  size_t limit = 1000;
};
// Newest last. Tail(n) = the last n records.
absl::StatusOr<std::vector<Record>> Search(const std::filesystem::path& path,
                                           const SearchFilter& filter);
absl::StatusOr<std::vector<Record>> Tail(const std::filesystem::path& path, size_t n);

// --- Additions (the declarations above are the stable interface) ---

struct AuditLogOptions {
  // Records waiting for a group commit; when full, Append fails with ResourceExhausted.
  size_t max_queue = 100000;
  // false: OpenAuditLog fails at once if another process holds `node` (the gateway).
  // true: wait until the holder exits (short-lived CLI writers sharing one node name).
  bool wait_for_node = false;
};
absl::StatusOr<std::unique_ptr<AuditLog>> OpenAuditLog(const std::filesystem::path& path,
                                                       Secret audit_key, std::string node,
                                                       const AuditLogOptions& options);

// The audit log's file: the SQLite store's folder / "audit.db" (config.dir/var/audit.db when
// the store is not SQLite).
std::filesystem::path AuditLogPath(const Config& config);

// RFC 3339 in UTC with milliseconds ("2024-05-01T12:00:00.250Z").
std::string FormatTimeMs(int64_t unix_ms);
// Parses an RFC 3339 time ("2024-05-01T12:00:00Z", optional fraction, "Z" or "+hh:mm").
absl::StatusOr<int64_t> ParseTimeMs(std::string_view text);
// A point in time for --since/--until filters: an RFC 3339 time, or a duration ("24h")
// meaning that long before now. `what` names the flag or parameter in the error.
absl::StatusOr<int64_t> ParseWhenMs(const std::string& text, std::string_view what);

}  // namespace bulwark::audit
