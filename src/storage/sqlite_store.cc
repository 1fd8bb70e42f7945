#include "storage/sqlite_store.h"

#include <mutex>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "base/status_macros.h"
#include "storage/sqlite_statement.h"

namespace bulwark {
namespace {

// Append-only: never edit a shipped migration, add a new one.
constexpr const char* kMigrations[] = {
    // 1: keys, secrets, admin tokens and the change version.
    R"sql(
CREATE TABLE meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
INSERT INTO meta (name, value) VALUES ('version', 1);
CREATE TABLE keys (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  tenant TEXT NOT NULL,
  secret_hash TEXT NOT NULL UNIQUE,
  scopes TEXT NOT NULL,
  allow_ips TEXT NOT NULL,
  rates TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL DEFAULT 0,
  revoked_at INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE secrets (
  name TEXT PRIMARY KEY,
  sealed BLOB NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE TABLE admin_tokens (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  role TEXT NOT NULL,
  token_hash TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL,
  revoked_at INTEGER NOT NULL DEFAULT 0
);
)sql",
    // 2: key rotation with a grace period.
    R"sql(
ALTER TABLE keys ADD COLUMN previous_secret_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE keys ADD COLUMN previous_expires_at INTEGER NOT NULL DEFAULT 0;
)sql",
};

constexpr const char kSelectKeys[] =
    "SELECT id, name, tenant, secret_hash, scopes, allow_ips, rates, created_at, expires_at, "
    "revoked_at, previous_secret_hash, previous_expires_at FROM keys";

std::string ToJson(const std::vector<std::string>& v) { return nlohmann::json(v).dump(); }

std::vector<std::string> FromJson(const std::string& s) {
  auto j = nlohmann::json::parse(s, nullptr, /*allow_exceptions=*/false);
  std::vector<std::string> out;
  if (!j.is_array()) return out;
  for (const auto& item : j) {
    if (item.is_string()) out.push_back(item.get<std::string>());
  }
  return out;
}

class SqliteStore final : public Store {
 public:
  explicit SqliteStore(sqlite3* db) : db_(db) {}
  ~SqliteStore() override { sqlite3_close_v2(db_); }

  absl::Status Init() {
    absl::MutexLock lock(&mu_);
    RETURN_IF_ERROR(ExecLocked("PRAGMA journal_mode=WAL"));
    RETURN_IF_ERROR(ExecLocked("PRAGMA synchronous=FULL"));
    RETURN_IF_ERROR(ExecLocked("PRAGMA foreign_keys=ON"));
    return MigrateLocked();
  }

  absl::Status Ping() override {
    absl::MutexLock lock(&mu_);
    Statement s(db_, "SELECT value FROM meta WHERE name = 'version'");
    if (!s.ok() || s.Step() != SQLITE_ROW) return Error("ping");
    return absl::OkStatus();
  }

  absl::StatusOr<int64_t> Version() override {
    absl::MutexLock lock(&mu_);
    Statement s(db_, "SELECT value FROM meta WHERE name = 'version'");
    if (!s.ok() || s.Step() != SQLITE_ROW) return Error("read version");
    return s.Int(0);
  }

  absl::Status CreateKey(const KeyRecord& k) override {
    return Mutate([&]() -> absl::Status {
      Statement s(db_,
                  "INSERT INTO keys (id, name, tenant, secret_hash, scopes, allow_ips, rates, "
                  "created_at, expires_at, revoked_at) VALUES (?,?,?,?,?,?,?,?,?,?)");
      s.Bind(1, k.id).Bind(2, k.name).Bind(3, k.tenant).Bind(4, k.secret_hash);
      s.Bind(5, ToJson(k.scopes)).Bind(6, ToJson(k.allow_ips)).Bind(7, ToJson(k.rates));
      s.Bind(8, k.created_at).Bind(9, k.expires_at).Bind(10, k.revoked_at);
      int rc = s.Step();
      if (rc == SQLITE_CONSTRAINT) return absl::AlreadyExistsError("key already exists");
      if (rc != SQLITE_DONE) return Error("insert key");
      return absl::OkStatus();
    });
  }

  absl::StatusOr<std::optional<KeyRecord>> GetKey(const std::string& id) override {
    absl::MutexLock lock(&mu_);
    Statement s(db_, fmt::format("{} WHERE id = ?", kSelectKeys).c_str());
    s.Bind(1, id);
    int rc = s.Step();
    if (rc == SQLITE_DONE) return std::optional<KeyRecord>();
    if (rc != SQLITE_ROW) return Error("read key");
    return std::optional<KeyRecord>(ReadKey(s));
  }

  absl::StatusOr<std::vector<KeyRecord>> ListKeys() override {
    absl::MutexLock lock(&mu_);
    Statement s(db_, fmt::format("{} ORDER BY created_at, id", kSelectKeys).c_str());
    std::vector<KeyRecord> out;
    int rc;
    while ((rc = s.Step()) == SQLITE_ROW) out.push_back(ReadKey(s));
    if (rc != SQLITE_DONE) return Error("list keys");
    return out;
  }

  absl::Status RevokeKey(const std::string& id, int64_t at) override {
    return Mutate([&]() -> absl::Status {
      Statement s(db_, "UPDATE keys SET revoked_at = ? WHERE id = ? AND revoked_at = 0");
      s.Bind(1, at).Bind(2, id);
      if (s.Step() != SQLITE_DONE) return Error("revoke key");
      if (sqlite3_changes(db_) == 0) {
        Statement exists(db_, "SELECT 1 FROM keys WHERE id = ?");
        exists.Bind(1, id);
        if (exists.Step() != SQLITE_ROW) return absl::NotFoundError("no such key");
      }
      return absl::OkStatus();
    });
  }

  absl::Status RotateKey(const std::string& id, const std::string& new_secret_hash,
                         int64_t grace_until) override {
    return Mutate([&]() -> absl::Status {
      Statement check(db_, "SELECT revoked_at FROM keys WHERE id = ?");
      check.Bind(1, id);
      int rc = check.Step();
      if (rc == SQLITE_DONE) return absl::NotFoundError("no such key");
      if (rc != SQLITE_ROW) return Error("read key");
      if (check.Int(0) != 0) return absl::FailedPreconditionError("the key is revoked");
      Statement s(db_,
                  "UPDATE keys SET previous_secret_hash = secret_hash, previous_expires_at = ?, "
                  "secret_hash = ? WHERE id = ?");
      s.Bind(1, grace_until).Bind(2, new_secret_hash).Bind(3, id);
      if (s.Step() != SQLITE_DONE) return Error("rotate key");
      return absl::OkStatus();
    });
  }

  absl::Status PutSecret(const std::string& name, const std::string& sealed, int64_t at) override {
    return Mutate([&]() -> absl::Status {
      Statement s(db_,
                  "INSERT INTO secrets (name, sealed, created_at, updated_at) VALUES (?,?,?,?) "
                  "ON CONFLICT(name) DO UPDATE SET sealed = excluded.sealed, "
                  "updated_at = excluded.updated_at");
      s.Bind(1, name).BindBlob(2, sealed).Bind(3, at).Bind(4, at);
      if (s.Step() != SQLITE_DONE) return Error("store secret");
      return absl::OkStatus();
    });
  }

  absl::StatusOr<std::vector<SecretRecord>> ListSecrets() override {
    absl::MutexLock lock(&mu_);
    Statement s(db_, "SELECT name, sealed, created_at, updated_at FROM secrets ORDER BY name");
    std::vector<SecretRecord> out;
    int rc;
    while ((rc = s.Step()) == SQLITE_ROW) {
      out.push_back({s.Text(0), s.Text(1), s.Int(2), s.Int(3)});
    }
    if (rc != SQLITE_DONE) return Error("list secrets");
    return out;
  }

  absl::Status DeleteSecret(const std::string& name) override {
    return Mutate([&]() -> absl::Status {
      Statement s(db_, "DELETE FROM secrets WHERE name = ?");
      s.Bind(1, name);
      if (s.Step() != SQLITE_DONE) return Error("delete secret");
      if (sqlite3_changes(db_) == 0) return absl::NotFoundError("no such secret");
      return absl::OkStatus();
    });
  }

  absl::Status CreateAdminToken(const AdminTokenRecord& t) override {
    return Mutate([&]() -> absl::Status {
      Statement s(db_,
                  "INSERT INTO admin_tokens (id, name, role, token_hash, created_at, revoked_at) "
                  "VALUES (?,?,?,?,?,?)");
      s.Bind(1, t.id).Bind(2, t.name).Bind(3, t.role).Bind(4, t.token_hash);
      s.Bind(5, t.created_at).Bind(6, t.revoked_at);
      int rc = s.Step();
      if (rc == SQLITE_CONSTRAINT) return absl::AlreadyExistsError("admin token exists");
      if (rc != SQLITE_DONE) return Error("insert admin token");
      return absl::OkStatus();
    });
  }

  absl::StatusOr<std::vector<AdminTokenRecord>> ListAdminTokens() override {
    absl::MutexLock lock(&mu_);
    Statement s(db_,
                "SELECT id, name, role, token_hash, created_at, revoked_at FROM admin_tokens "
                "ORDER BY created_at, id");
    std::vector<AdminTokenRecord> out;
    int rc;
    while ((rc = s.Step()) == SQLITE_ROW) {
      out.push_back({s.Text(0), s.Text(1), s.Text(2), s.Text(3), s.Int(4), s.Int(5)});
    }
    if (rc != SQLITE_DONE) return Error("list admin tokens");
    return out;
  }

  absl::Status RevokeAdminToken(const std::string& id, int64_t at) override {
    return Mutate([&]() -> absl::Status {
      Statement s(db_, "UPDATE admin_tokens SET revoked_at = ? WHERE id = ? AND revoked_at = 0");
      s.Bind(1, at).Bind(2, id);
      if (s.Step() != SQLITE_DONE) return Error("revoke admin token");
      if (sqlite3_changes(db_) == 0) return absl::NotFoundError("no such live admin token");
      return absl::OkStatus();
    });
  }

 private:
  static KeyRecord ReadKey(const Statement& s) {
    KeyRecord k;
    k.id = s.Text(0);
    k.name = s.Text(1);
    k.tenant = s.Text(2);
    k.secret_hash = s.Text(3);
    k.scopes = FromJson(s.Text(4));
    k.allow_ips = FromJson(s.Text(5));
    k.rates = FromJson(s.Text(6));
    k.created_at = s.Int(7);
    k.expires_at = s.Int(8);
    k.revoked_at = s.Int(9);
    k.previous_secret_hash = s.Text(10);
    k.previous_expires_at = s.Int(11);
    return k;
  }

  absl::Status Error(std::string_view what) const {
    return absl::UnavailableError(fmt::format("store: {} failed: {}", what, sqlite3_errmsg(db_)));
  }

  absl::Status ExecLocked(const char* sql) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
      std::string msg = err ? err : "unknown error";
      sqlite3_free(err);
      return absl::UnavailableError(fmt::format("store: {}", msg));
    }
    return absl::OkStatus();
  }

  // Runs `body` and bumps the version in one IMMEDIATE transaction (so writers from other
  // processes queue on the busy timeout instead of failing half way).
  template <typename Body>
  absl::Status Mutate(Body body) {
    absl::MutexLock lock(&mu_);
    RETURN_IF_ERROR(ExecLocked("BEGIN IMMEDIATE"));
    absl::Status st = body();
    if (st.ok()) st = ExecLocked("UPDATE meta SET value = value + 1 WHERE name = 'version'");
    if (st.ok()) st = ExecLocked("COMMIT");
    if (!st.ok()) ExecLocked("ROLLBACK").IgnoreError();
    return st;
  }

  absl::Status MigrateLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    RETURN_IF_ERROR(ExecLocked("BEGIN IMMEDIATE"));
    Statement v(db_, "PRAGMA user_version");
    int64_t current = (v.ok() && v.Step() == SQLITE_ROW) ? v.Int(0) : -1;
    absl::Status st = absl::OkStatus();
    const int64_t latest = static_cast<int64_t>(std::size(kMigrations));
    if (current < 0) {
      st = Error("read schema version");
    } else if (current > latest) {
      st = absl::FailedPreconditionError(
          fmt::format("store schema version {} is newer than this binary ({}); upgrade bulwark",
                      current, latest));
    }
    for (int64_t i = current; st.ok() && i < latest; ++i) {
      st = ExecLocked(kMigrations[i]);
      if (st.ok()) st = ExecLocked(fmt::format("PRAGMA user_version = {}", i + 1).c_str());
    }
    if (st.ok()) return ExecLocked("COMMIT");
    ExecLocked("ROLLBACK").IgnoreError();
    return st;
  }

  absl::Mutex mu_;
  sqlite3* db_ ABSL_GUARDED_BY(mu_);
};

}  // namespace

int SqliteSchemaVersion() { return static_cast<int>(std::size(kMigrations)); }

absl::StatusOr<std::unique_ptr<Store>> OpenSqliteStore(const std::filesystem::path& path) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(
      path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close_v2(db);
    return absl::UnavailableError(fmt::format("cannot open store {}: {}", path.string(), msg));
  }
  sqlite3_busy_timeout(db, 5000);
  auto store = std::make_unique<SqliteStore>(db);
  RETURN_IF_ERROR(store->Init());
  return std::unique_ptr<Store>(std::move(store));
}

absl::StatusOr<std::unique_ptr<Store>> OpenStore(const std::string& url,
                                                 const std::string& base_dir) {
  constexpr std::string_view kSqlite = "sqlite://";
  if (url.rfind(kSqlite, 0) == 0) {
    std::filesystem::path p = url.substr(kSqlite.size());
    if (p.empty()) return absl::InvalidArgumentError("store.url has no database path");
    if (p.is_relative()) p = std::filesystem::path(base_dir) / p;
    return OpenSqliteStore(p.lexically_normal());
  }
  return absl::InvalidArgumentError(
      fmt::format("unsupported store.url '{}': use sqlite://PATH", url));
}

}  // namespace bulwark
