// The SQLite audit log: group commit, per-node keyed hash chains, keyed checkpoints.
//
// Design
// - Chain. Every record has a global `seq` (1, 2, 3, ... with no gaps, assigned inside the
//   write transaction as MAX(seq)+1) and belongs to the chain of its `node`. Its hash is
//     hash = BLAKE2b-256_keyed(audit_key, prev_hash || canonical(record))
//   where prev_hash is the hash of the node's previous record (64 '0' for the first) and
//   canonical() is a netstring encoding of seq, node, time and every other field, taken from
//   exactly the values stored in the row. So a changed field, a changed seq (reorder), a
//   deleted row (gap in seq and a broken prev_hash link) and an inserted row (its hash cannot
//   be computed without the key) are all detected at the first affected seq.
// - Checkpoints. Table `checkpoints` (one row per node: count, head_seq, head_hash) is kept
//   apart from `records` and written in the same transaction as each batch. Each row carries
//   a MAC (keyed hash over node, count, head_seq, head_hash), so it cannot be rewritten to
//   match a truncated chain without the key. Verify compares every chain with its checkpoint:
//   a truncated tail leaves count < checkpoint count.
//   Limit: a checkpoint row replaced by an older, genuine one (together with deleting the
//   records after it) is not detected; an external anchor (a copy of the heads outside this
//   file) is the fix and is not built yet.
// - Group commit. Append() only queues (bounded: AuditLogOptions::max_queue). One writer
//   thread drains the whole queue, writes it in ONE `BEGIN IMMEDIATE` transaction (WAL,
//   synchronous=FULL, so COMMIT returns after the WAL fsync) and then runs every callback of
//   the batch with OK. Callbacks never run on the caller's thread: a full queue or a failed
//   log hands the error to a small notifier thread, which runs the callback at once.
// - Failures. An error before COMMIT (busy, read-only, constraint) fails every callback of
//   the batch, the transaction is rolled back, and the next batch starts again from the
//   state in the file (seq and chain head are re-read in each transaction). An error from
//   COMMIT itself is sticky, like LevelDB's bg_error_: whether the batch reached the disk is
//   unknown (fsync failure), so the log refuses every later Append until it is reopened,
//   which re-reads the file as SQLite recovered it.
// - Node held exclusively. `<path>.<node>.lock` is flock()ed for the log's lifetime (the
//   kernel drops it when the process dies; flock also conflicts inside one process). Two
//   processes can therefore never fork one chain. Several nodes may share one file: BEGIN
//   IMMEDIATE serialises their batches, which keeps the global seq gap-free.
#include <chrono>
#include <cmath>
#include <deque>
#include <thread>

#include <fmt/format.h>
#include <sqlite3.h>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "audit/audit.h"
#include "base/status_macros.h"
#include "crypto/keys.h"
#include "storage/sqlite_statement.h"
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

namespace bulwark::audit {
namespace {

// Append-only: never edit a shipped migration, add a new one.
constexpr const char* kMigrations[] = {
    // 1: records (one per decision or change) and per-node checkpoints.
    R"sql(
CREATE TABLE records (
  seq INTEGER PRIMARY KEY,
  node TEXT NOT NULL,
  time_ms INTEGER NOT NULL,
  kind TEXT NOT NULL,
  request_id TEXT NOT NULL,
  key_id TEXT NOT NULL,
  tenant TEXT NOT NULL,
  subject TEXT NOT NULL,
  provider TEXT NOT NULL,
  operation TEXT NOT NULL,
  status INTEGER NOT NULL,
  decision TEXT NOT NULL,
  reason TEXT NOT NULL,
  latency_us INTEGER NOT NULL,
  pii TEXT NOT NULL,
  pii_action TEXT NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  target TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
);
CREATE INDEX records_time ON records (time_ms);
CREATE INDEX records_subject ON records (subject);
CREATE TABLE checkpoints (
  node TEXT PRIMARY KEY,
  count INTEGER NOT NULL,
  head_seq INTEGER NOT NULL,
  head_hash TEXT NOT NULL,
  updated_ms INTEGER NOT NULL,
  mac TEXT NOT NULL
);
)sql",
    // 2: the request's purpose (issue 6).
    R"sql(
ALTER TABLE records ADD COLUMN purpose TEXT NOT NULL DEFAULT '';
)sql",
};

constexpr char kGenesis[] = "0000000000000000000000000000000000000000000000000000000000000000";

constexpr char kSelectRecords[] =
    "SELECT seq, node, time_ms, kind, request_id, key_id, tenant, subject, provider, "
    "operation, status, decision, reason, latency_us, pii, pii_action, actor, action, target, "
    "prev_hash, hash, purpose FROM records";

absl::Status SqlError(sqlite3* db, std::string_view what) {
  return absl::UnavailableError(fmt::format("audit log: {} failed: {}", what, sqlite3_errmsg(db)));
}

absl::Status Exec(sqlite3* db, const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errmsg(db);
    sqlite3_free(err);
    return absl::UnavailableError(fmt::format("audit log: {}", msg));
  }
  return absl::OkStatus();
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A stored row: the record plus the columns that only the log sees.
struct Row {
  Record record;
  int64_t latency_us = 0;
  std::string pii_text;  // exactly as stored (hashed as is)
  std::string prev_hash;
  std::string hash;
};

std::string PiiText(const std::map<std::string, int>& pii) { return nlohmann::json(pii).dump(); }

int64_t LatencyUs(double ms) {
  if (!std::isfinite(ms) || ms <= 0) return 0;
  return std::llround(std::min(ms, 1e12) * 1000.0);
}

void AppendNetstring(std::string& out, std::string_view s) {
  out += std::to_string(s.size());
  out += ':';
  out += s;
  out += ',';
}

// The bytes a record's hash covers (besides prev_hash): every stored column, in a fixed
// order, as netstrings, so no two different rows encode alike.
std::string Canonical(const Row& row) {
  const Record& r = row.record;
  std::string out = "bulwark-audit-v1\n";
  out.reserve(256);
  AppendNetstring(out, std::to_string(r.seq));
  AppendNetstring(out, r.node);
  AppendNetstring(out, std::to_string(r.time_ms));
  AppendNetstring(out, r.kind);
  AppendNetstring(out, r.request_id);
  AppendNetstring(out, r.key_id);
  AppendNetstring(out, r.tenant);
  AppendNetstring(out, r.subject);
  AppendNetstring(out, r.provider);
  AppendNetstring(out, r.operation);
  AppendNetstring(out, std::to_string(r.status));
  AppendNetstring(out, r.decision);
  AppendNetstring(out, r.reason);
  AppendNetstring(out, std::to_string(row.latency_us));
  AppendNetstring(out, row.pii_text);
  AppendNetstring(out, r.pii_action);
  AppendNetstring(out, r.actor);
  AppendNetstring(out, r.action);
  AppendNetstring(out, r.target);
  // Fields added later are covered only when set, so older records hash as they did.
  if (!r.purpose.empty()) {
    out += "v2\n";
    AppendNetstring(out, r.purpose);
  }
  return out;
}

std::string CheckpointMac(const Secret& key, const std::string& node, int64_t count,
                          int64_t head_seq, const std::string& head_hash) {
  std::string msg = "bulwark-audit-checkpoint-v1\n";
  AppendNetstring(msg, node);
  AppendNetstring(msg, std::to_string(count));
  AppendNetstring(msg, std::to_string(head_seq));
  AppendNetstring(msg, head_hash);
  return KeyedHash(key, msg);
}

Row ReadRow(const Statement& s) {
  Row row;
  Record& r = row.record;
  r.seq = s.Int(0);
  r.node = s.Text(1);
  r.time_ms = s.Int(2);
  r.kind = s.Text(3);
  r.request_id = s.Text(4);
  r.key_id = s.Text(5);
  r.tenant = s.Text(6);
  r.subject = s.Text(7);
  r.provider = s.Text(8);
  r.operation = s.Text(9);
  r.status = static_cast<int>(s.Int(10));
  r.decision = s.Text(11);
  r.reason = s.Text(12);
  row.latency_us = s.Int(13);
  r.latency_ms = static_cast<double>(row.latency_us) / 1000.0;
  row.pii_text = s.Text(14);
  auto pii = nlohmann::json::parse(row.pii_text, nullptr, /*allow_exceptions=*/false);
  if (pii.is_object()) {
    for (const auto& [type, count] : pii.items()) {
      if (count.is_number_integer()) r.pii[type] = count.get<int>();
    }
  }
  r.pii_action = s.Text(15);
  r.actor = s.Text(16);
  r.action = s.Text(17);
  r.target = s.Text(18);
  row.prev_hash = s.Text(19);
  row.hash = s.Text(20);
  r.purpose = s.Text(21);
  return row;
}

absl::StatusOr<sqlite3*> OpenDb(const std::filesystem::path& path, int flags) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, flags | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close_v2(db);
    return absl::UnavailableError(fmt::format("cannot open audit log {}: {}", path.string(), msg));
  }
  sqlite3_busy_timeout(db, 5000);
  return db;
}

absl::Status Migrate(sqlite3* db) {
  RETURN_IF_ERROR(Exec(db, "BEGIN IMMEDIATE"));
  Statement v(db, "PRAGMA user_version");
  int64_t current = (v.ok() && v.Step() == SQLITE_ROW) ? v.Int(0) : -1;
  absl::Status st = absl::OkStatus();
  const int64_t latest = static_cast<int64_t>(std::size(kMigrations));
  if (current < 0) {
    st = SqlError(db, "read schema version");
  } else if (current > latest) {
    st = absl::FailedPreconditionError(
        fmt::format("audit log schema version {} is newer than this binary ({}); upgrade bulwark",
                    current, latest));
  }
  for (int64_t i = current; st.ok() && i < latest; ++i) {
    st = Exec(db, kMigrations[i]);
    if (st.ok()) st = Exec(db, fmt::format("PRAGMA user_version = {}", i + 1).c_str());
  }
  if (st.ok()) return Exec(db, "COMMIT");
  Exec(db, "ROLLBACK").IgnoreError();
  return st;
}

bool ValidNodeName(const std::string& node) {
  if (node.empty() || node.size() > 64 || node[0] == '.') return false;
  for (char c : node) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

// Holds `<log>.<node>.lock` with flock() so one node's chain has one writer.
absl::StatusOr<int> LockNode(const std::filesystem::path& path, const std::string& node,
                             bool wait) {
  std::filesystem::path lock_path = path;
  lock_path += "." + node + ".lock";
  int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return absl::UnavailableError(
        fmt::format("cannot open {}: {}", lock_path.string(), std::strerror(errno)));
  }
  int rc;
  do {
    rc = ::flock(fd, LOCK_EX | (wait ? 0 : LOCK_NB));
  } while (rc != 0 && errno == EINTR);
  if (rc != 0) {
    int err = errno;
    char holder[32] = {};
    ssize_t n = ::pread(fd, holder, sizeof(holder) - 1, 0);
    ::close(fd);
    if (err == EWOULDBLOCK) {
      return absl::FailedPreconditionError(fmt::format(
          "audit node '{}' is held by another process (pid {}); give each gateway its own node",
          node, n > 0 ? std::string(holder, static_cast<size_t>(n)) : "unknown"));
    }
    return absl::UnavailableError(
        fmt::format("cannot lock {}: {}", lock_path.string(), std::strerror(err)));
  }
  std::string pid = std::to_string(::getpid());
  if (::ftruncate(fd, 0) == 0) {
    ssize_t written = ::pwrite(fd, pid.data(), pid.size(), 0);
    (void)written;  // the pid is only a hint for the error message above
  }
  return fd;
}

struct Pending {
  Record record;
  std::function<void(absl::Status)> done;
};

struct Rejected {
  std::function<void(absl::Status)> done;
  absl::Status status;
};

class SqliteAuditLog final : public AuditLog {
 public:
  SqliteAuditLog(sqlite3* db, int lock_fd, Secret key, std::string node, size_t max_queue)
      : db_(db),
        lock_fd_(lock_fd),
        key_(std::move(key)),
        node_(std::move(node)),
        max_queue_(max_queue) {
    writer_ = std::thread([this] { WriterLoop(); });
    notifier_ = std::thread([this] { NotifierLoop(); });
  }

  ~SqliteAuditLog() override {
    {
      absl::MutexLock lock(&mu_);
      stopping_ = true;
      queue_cv_.Signal();
    }
    writer_.join();  // drains the queue first: queued records are still written
    notifier_.join();
    sqlite3_close_v2(db_);
    ::close(lock_fd_);  // releases the node
  }

  void Append(Record record, std::function<void(absl::Status)> done) override {
    if (record.time_ms == 0) record.time_ms = NowMs();
    absl::MutexLock lock(&mu_);
    if (!failed_.ok()) {
      rejected_.push_back({std::move(done), failed_});
      rejected_cv_.Signal();
    } else if (queue_.size() >= max_queue_) {
      rejected_.push_back({std::move(done), absl::ResourceExhaustedError(fmt::format(
                                                "audit log: {} records waiting to be written; "
                                                "refusing more",
                                                queue_.size()))});
      rejected_cv_.Signal();
    } else {
      queue_.push_back({std::move(record), std::move(done)});
      if (queue_.size() == 1) queue_cv_.Signal();  // the writer waits only on an empty queue
    }
  }

 private:
  void WriterLoop() {
    for (;;) {
      std::deque<Pending> batch;
      {
        absl::MutexLock lock(&mu_);
        while (queue_.empty() && !stopping_) queue_cv_.Wait(&mu_);
        if (queue_.empty()) break;  // stopping with nothing left
        batch.swap(queue_);
      }
      absl::Status st;
      {
        absl::MutexLock lock(&mu_);
        st = failed_;
      }
      if (st.ok()) st = WriteBatch(batch);
      for (Pending& p : batch) p.done(st);
    }
    absl::MutexLock lock(&mu_);
    writer_done_ = true;
    rejected_cv_.Signal();
  }

  void NotifierLoop() {
    for (;;) {
      std::vector<Rejected> rejected;
      {
        absl::MutexLock lock(&mu_);
        while (rejected_.empty() && !writer_done_) rejected_cv_.Wait(&mu_);
        if (rejected_.empty()) break;
        rejected.swap(rejected_);
      }
      for (Rejected& r : rejected) r.done(r.status);
    }
  }

  // Writes `batch` in one transaction. Runs on the writer thread only (db_ is not shared).
  absl::Status WriteBatch(std::deque<Pending>& batch) {
    RETURN_IF_ERROR(Exec(db_, "BEGIN IMMEDIATE"));
    absl::Status st = InsertLocked(batch);
    if (!st.ok()) {
      Exec(db_, "ROLLBACK").IgnoreError();
      return st;
    }
    if (sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) {
      st = SqlError(db_, "commit");
      if (sqlite3_get_autocommit(db_) == 0) Exec(db_, "ROLLBACK").IgnoreError();
      absl::MutexLock lock(&mu_);
      failed_ = absl::UnavailableError(fmt::format(
          "{} (the audit log refuses writes until it is reopened)", std::string(st.message())));
      return failed_;
    }
    return absl::OkStatus();
  }

  absl::Status InsertLocked(std::deque<Pending>& batch) {
    Statement max(db_, "SELECT COALESCE(MAX(seq), 0) FROM records");
    if (max.Step() != SQLITE_ROW) return SqlError(db_, "read last seq");
    int64_t seq = max.Int(0);

    int64_t count = 0;
    std::string head = kGenesis;
    Statement cp(db_, "SELECT count, head_hash FROM checkpoints WHERE node = ?");
    cp.Bind(1, node_);
    int rc = cp.Step();
    if (rc == SQLITE_ROW) {
      count = cp.Int(0);
      head = cp.Text(1);
    } else if (rc != SQLITE_DONE) {
      return SqlError(db_, "read checkpoint");
    }

    Statement insert(db_,
                     "INSERT INTO records (seq, node, time_ms, kind, request_id, key_id, tenant, "
                     "subject, provider, operation, status, decision, reason, latency_us, pii, "
                     "pii_action, actor, action, target, prev_hash, hash, purpose) VALUES "
                     "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
    if (!insert.ok()) return SqlError(db_, "prepare insert");
    for (Pending& p : batch) {
      Row row;
      row.record = p.record;
      Record& r = row.record;
      r.seq = ++seq;
      r.node = node_;
      row.latency_us = LatencyUs(r.latency_ms);
      row.pii_text = PiiText(r.pii);
      row.prev_hash = head;
      row.hash = KeyedHash(key_, head + Canonical(row));
      insert.Reset();
      insert.Bind(1, r.seq).Bind(2, r.node).Bind(3, r.time_ms).Bind(4, r.kind);
      insert.Bind(5, r.request_id).Bind(6, r.key_id).Bind(7, r.tenant).Bind(8, r.subject);
      insert.Bind(9, r.provider).Bind(10, r.operation).Bind(11, static_cast<int64_t>(r.status));
      insert.Bind(12, r.decision).Bind(13, r.reason).Bind(14, row.latency_us);
      insert.Bind(15, row.pii_text).Bind(16, r.pii_action).Bind(17, r.actor);
      insert.Bind(18, r.action).Bind(19, r.target).Bind(20, row.prev_hash).Bind(21, row.hash);
      insert.Bind(22, r.purpose);
      if (insert.Step() != SQLITE_DONE) return SqlError(db_, "insert record");
      head = std::move(row.hash);
      ++count;
    }

    Statement put(db_,
                  "INSERT INTO checkpoints (node, count, head_seq, head_hash, updated_ms, mac) "
                  "VALUES (?,?,?,?,?,?) ON CONFLICT(node) DO UPDATE SET count = excluded.count, "
                  "head_seq = excluded.head_seq, head_hash = excluded.head_hash, "
                  "updated_ms = excluded.updated_ms, mac = excluded.mac");
    put.Bind(1, node_).Bind(2, count).Bind(3, seq).Bind(4, head).Bind(5, NowMs());
    put.Bind(6, CheckpointMac(key_, node_, count, seq, head));
    if (put.Step() != SQLITE_DONE) return SqlError(db_, "write checkpoint");
    return absl::OkStatus();
  }

  sqlite3* const db_;  // used by the writer thread only (and the destructor after join)
  const int lock_fd_;
  const Secret key_;
  const std::string node_;
  const size_t max_queue_;

  absl::Mutex mu_;
  std::deque<Pending> queue_ ABSL_GUARDED_BY(mu_);
  std::vector<Rejected> rejected_ ABSL_GUARDED_BY(mu_);
  absl::Status failed_ ABSL_GUARDED_BY(mu_);  // sticky error after a failed COMMIT
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool writer_done_ ABSL_GUARDED_BY(mu_) = false;
  absl::CondVar queue_cv_;     // queue_ became non-empty, or stopping_
  absl::CondVar rejected_cv_;  // rejected_ became non-empty, or writer_done_

  std::thread writer_;
  std::thread notifier_;
};

// A read-only connection for Verify/Search/Tail. NotFound if the log does not exist.
absl::StatusOr<sqlite3*> OpenForReading(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    return absl::NotFoundError(fmt::format("no audit log at {}", path.string()));
  }
  return OpenDb(path, SQLITE_OPEN_READONLY);
}

struct DbCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using DbPtr = std::unique_ptr<sqlite3, DbCloser>;

}  // namespace

absl::StatusOr<std::unique_ptr<AuditLog>> OpenAuditLog(const std::filesystem::path& path,
                                                       Secret audit_key, std::string node) {
  return OpenAuditLog(path, std::move(audit_key), std::move(node), AuditLogOptions{});
}

absl::StatusOr<std::unique_ptr<AuditLog>> OpenAuditLog(const std::filesystem::path& path,
                                                       Secret audit_key, std::string node,
                                                       const AuditLogOptions& options) {
  if (audit_key.size() != 32) return absl::InvalidArgumentError("audit key must be 32 bytes");
  if (!ValidNodeName(node)) {
    return absl::InvalidArgumentError(
        fmt::format("invalid audit node name '{}': use 1-64 of A-Z a-z 0-9 . _ -", node));
  }
  if (options.max_queue == 0) return absl::InvalidArgumentError("max_queue must be positive");
  ASSIGN_OR_RETURN(sqlite3 * raw, OpenDb(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE));
  DbPtr db(raw);
  RETURN_IF_ERROR(Exec(db.get(), "PRAGMA journal_mode=WAL"));
  RETURN_IF_ERROR(Exec(db.get(), "PRAGMA synchronous=FULL"));
  RETURN_IF_ERROR(Migrate(db.get()));
  ASSIGN_OR_RETURN(int lock_fd, LockNode(path, node, options.wait_for_node));
  return std::unique_ptr<AuditLog>(std::make_unique<SqliteAuditLog>(
      db.release(), lock_fd, std::move(audit_key), std::move(node), options.max_queue));
}

absl::StatusOr<VerifyResult> Verify(const std::filesystem::path& path, const Secret& audit_key) {
  ASSIGN_OR_RETURN(sqlite3 * raw, OpenForReading(path));
  DbPtr db(raw);
  // One read transaction: records and checkpoints come from the same snapshot.
  RETURN_IF_ERROR(Exec(db.get(), "BEGIN"));
  VerifyResult result;
  auto bad = [&](int64_t seq, std::string reason) {
    result.ok = false;
    result.first_bad = seq;
    result.reason = std::move(reason);
    return result;
  };

  struct Chain {
    int64_t count = 0;
    int64_t head_seq = 0;
    std::string head = kGenesis;
  };
  std::map<std::string, Chain> chains;
  int64_t expected_seq = 1;
  {
    Statement s(db.get(), fmt::format("{} ORDER BY seq", kSelectRecords).c_str());
    if (!s.ok()) return SqlError(db.get(), "read records");
    int rc;
    while ((rc = s.Step()) == SQLITE_ROW) {
      Row row = ReadRow(s);
      const int64_t seq = row.record.seq;
      if (seq != expected_seq) {
        return bad(
            std::min(seq, expected_seq),
            seq > expected_seq
                ? fmt::format("record {} is missing (sequence jumps to {})", expected_seq, seq)
                : fmt::format("unexpected seq {} (expected {})", seq, expected_seq));
      }
      Chain& chain = chains[row.record.node];
      if (row.prev_hash != chain.head) {
        return bad(seq,
                   chain.count == 0
                       ? fmt::format("record does not start node '{}''s chain", row.record.node)
                       : fmt::format("record does not follow seq {} in node '{}''s chain "
                                     "(deleted, inserted or reordered record)",
                                     chain.head_seq, row.record.node));
      }
      std::string hash = KeyedHash(audit_key, chain.head + Canonical(row));
      if (!ConstantTimeEquals(hash, row.hash)) {
        return bad(seq, "hash mismatch: the record was changed (or forged without the key)");
      }
      chain.head = std::move(hash);
      chain.head_seq = seq;
      ++chain.count;
      ++result.records;
      ++expected_seq;
    }
    if (rc != SQLITE_DONE) return SqlError(db.get(), "read records");
  }

  // Every chain must end exactly at its checkpoint, and every checkpoint must have its chain.
  const int64_t next_seq = expected_seq;
  std::map<std::string, bool> checkpointed;
  {
    Statement s(db.get(), "SELECT node, count, head_seq, head_hash, mac FROM checkpoints");
    if (!s.ok()) return SqlError(db.get(), "read checkpoints");
    int rc;
    std::optional<VerifyResult> worst;
    auto note = [&](int64_t seq, std::string reason) {
      if (!worst || seq < worst->first_bad) {
        VerifyResult r;
        r.ok = false;
        r.records = result.records;
        r.first_bad = seq;
        r.reason = std::move(reason);
        worst = std::move(r);
      }
    };
    while ((rc = s.Step()) == SQLITE_ROW) {
      std::string node = s.Text(0);
      int64_t count = s.Int(1), head_seq = s.Int(2);
      std::string head_hash = s.Text(3), mac = s.Text(4);
      checkpointed[node] = true;
      const Chain& chain = chains[node];
      if (!ConstantTimeEquals(CheckpointMac(audit_key, node, count, head_seq, head_hash), mac)) {
        note(chain.count > 0 ? chain.head_seq : next_seq,
             fmt::format("checkpoint of node '{}' was altered (bad MAC)", node));
      } else if (chain.count < count) {
        note(next_seq, fmt::format("node '{}' has {} records but its checkpoint says {} (head "
                                   "seq {}): the tail was truncated",
                                   node, chain.count, count, head_seq));
      } else if (chain.count > count || chain.head_seq != head_seq ||
                 !ConstantTimeEquals(chain.head, head_hash)) {
        note(chain.count > count ? head_seq + 1 : chain.head_seq,
             fmt::format("node '{}' does not end at its checkpoint (count {}, head seq {})", node,
                         count, head_seq));
      }
    }
    if (rc != SQLITE_DONE) return SqlError(db.get(), "read checkpoints");
    for (const auto& [node, chain] : chains) {
      if (chain.count > 0 && !checkpointed.count(node)) {
        note(chain.head_seq, fmt::format("node '{}' has records but no checkpoint", node));
      }
    }
    if (worst) return *worst;
  }
  Exec(db.get(), "COMMIT").IgnoreError();
  return result;
}

absl::StatusOr<std::vector<Record>> Search(const std::filesystem::path& path,
                                           const SearchFilter& filter) {
  ASSIGN_OR_RETURN(sqlite3 * raw, OpenForReading(path));
  DbPtr db(raw);
  std::string where = "1";
  if (filter.key_id) where += " AND key_id = ?";
  if (filter.tenant) where += " AND tenant = ?";
  if (filter.subject) where += " AND subject = ?";
  if (filter.provider) where += " AND provider = ?";
  if (filter.status) where += " AND status = ?";
  if (filter.since_ms) where += " AND time_ms >= ?";
  if (filter.until_ms) where += " AND time_ms <= ?";
  std::string sql = fmt::format("{} WHERE {} ORDER BY seq DESC LIMIT ?", kSelectRecords, where);
  Statement s(db.get(), sql.c_str());
  if (!s.ok()) return SqlError(db.get(), "search");
  int i = 1;
  if (filter.key_id) s.Bind(i++, *filter.key_id);
  if (filter.tenant) s.Bind(i++, *filter.tenant);
  if (filter.subject) s.Bind(i++, *filter.subject);
  if (filter.provider) s.Bind(i++, *filter.provider);
  if (filter.status) s.Bind(i++, static_cast<int64_t>(*filter.status));
  if (filter.since_ms) s.Bind(i++, *filter.since_ms);
  if (filter.until_ms) s.Bind(i++, *filter.until_ms);
  s.Bind(i++, static_cast<int64_t>(std::min<size_t>(filter.limit, INT64_MAX)));
  std::vector<Record> out;
  int rc;
  while ((rc = s.Step()) == SQLITE_ROW) out.push_back(ReadRow(s).record);
  if (rc != SQLITE_DONE) return SqlError(db.get(), "search");
  std::reverse(out.begin(), out.end());  // newest last
  return out;
}

absl::StatusOr<std::vector<Record>> Tail(const std::filesystem::path& path, size_t n) {
  SearchFilter filter;
  filter.limit = n;
  return Search(path, filter);
}

}  // namespace bulwark::audit
