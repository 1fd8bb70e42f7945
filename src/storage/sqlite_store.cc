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
    // 3: vendor resources (video ids ...) bound to the tenant whose key created them.
    R"sql(
CREATE TABLE resources (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  provider TEXT NOT NULL,
  kind TEXT NOT NULL,
  resource_id TEXT NOT NULL,
  tenant TEXT NOT NULL,
  key_id TEXT NOT NULL,
  subject TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  UNIQUE (provider, kind, resource_id)
);
CREATE INDEX resources_by_subject ON resources (subject) WHERE subject != '';
)sql",
    // 4: incident response: suspended or throttled keys, frozen tenants, global freeze.
    R"sql(
CREATE TABLE suspensions (
  scope TEXT NOT NULL,
  target TEXT NOT NULL,
  mode TEXT NOT NULL DEFAULT 'suspend',
  rate TEXT NOT NULL DEFAULT '',
  reason TEXT NOT NULL DEFAULT '',
  actor TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  PRIMARY KEY (scope, target)
);
)sql",
    // 5: consents, per-subject keys (crypto-shredding) and captured payloads (issue 6).
    R"sql(
CREATE TABLE consents (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  subject TEXT NOT NULL,
  purpose TEXT NOT NULL,
  provider TEXT NOT NULL,
  granted_at INTEGER NOT NULL,
  revoked_at INTEGER NOT NULL DEFAULT 0,
  evidence TEXT NOT NULL DEFAULT ''
);
CREATE INDEX consents_by_subject ON consents (subject);
CREATE UNIQUE INDEX consents_live ON consents (subject, purpose, provider) WHERE revoked_at = 0;
CREATE TABLE subject_keys (
  subject TEXT PRIMARY KEY,
  sealed BLOB NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE TABLE payloads (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  subject TEXT NOT NULL DEFAULT '',
  request_id TEXT NOT NULL,
  provider TEXT NOT NULL,
  operation TEXT NOT NULL,
  direction TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  size INTEGER NOT NULL,
  truncated INTEGER NOT NULL DEFAULT 0,
  sealed_key BLOB NOT NULL,
  sealed BLOB NOT NULL
);
CREATE INDEX payloads_by_subject ON payloads (subject) WHERE subject != '';
CREATE INDEX payloads_by_age ON payloads (provider, created_at);
)sql",
    // token-signing key pairs (OAuth2 access tokens); the private key sealed.
    R"sql(
CREATE TABLE signing_keys (
  kid TEXT PRIMARY KEY,
  alg TEXT NOT NULL,
  public_key BLOB NOT NULL,
  sealed_private BLOB NOT NULL,
  created_at INTEGER NOT NULL,
  retired_at INTEGER NOT NULL DEFAULT 0,
  not_after INTEGER NOT NULL DEFAULT 0
);
)sql",
    // quotas on keys and usage counters (issue 4, traffic protection).
    R"sql(
ALTER TABLE keys ADD COLUMN quotas TEXT NOT NULL DEFAULT '[]';
CREATE TABLE usage (
  scope TEXT NOT NULL,
  id TEXT NOT NULL,
  unit TEXT NOT NULL,
  period TEXT NOT NULL,
  amount INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (scope, id, unit, period)
);
CREATE INDEX usage_by_period ON usage (period);
)sql",
    // subject keys followed by seq instead of the version (issue 6 follow-up): keys and
    // erasure tombstones share one increasing sequence (meta 'subject_seq'); a tombstone
    // names only the erased key's seq, never the subject.
    R"sql(
ALTER TABLE subject_keys ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
UPDATE subject_keys SET seq = rowid;
CREATE UNIQUE INDEX subject_keys_by_seq ON subject_keys (seq);
CREATE TABLE subject_key_erasures (
  seq INTEGER PRIMARY KEY,
  key_seq INTEGER NOT NULL
);
INSERT INTO meta (name, value) VALUES ('subject_seq', (SELECT COALESCE(MAX(seq), 0) FROM subject_keys));
)sql",
};

constexpr const char kSelectKeys[] =
    "SELECT id, name, tenant, secret_hash, scopes, allow_ips, rates, created_at, expires_at, "
    "revoked_at, previous_secret_hash, previous_expires_at, quotas FROM keys";

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
                  "created_at, expires_at, revoked_at, quotas) VALUES (?,?,?,?,?,?,?,?,?,?,?)");
      s.Bind(1, k.id).Bind(2, k.name).Bind(3, k.tenant).Bind(4, k.secret_hash);
      s.Bind(5, ToJson(k.scopes)).Bind(6, ToJson(k.allow_ips)).Bind(7, ToJson(k.rates));
      s.Bind(8, k.created_at).Bind(9, k.expires_at).Bind(10, k.revoked_at);
      s.Bind(11, ToJson(k.quotas));
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

  // Resources: plain writes, no version bump (they are not part of the access snapshot;
  // gateways follow them by `seq`, see pipeline/ownership).
  absl::StatusOr<bool> PutResource(const ResourceRecord& r) override {
    absl::MutexLock lock(&mu_);
    Statement s(db_,
                "INSERT OR IGNORE INTO resources (provider, kind, resource_id, tenant, key_id, "
                "subject, created_at) VALUES (?,?,?,?,?,?,?)");
    s.Bind(1, r.provider).Bind(2, r.kind).Bind(3, r.id).Bind(4, r.tenant).Bind(5, r.key_id);
    s.Bind(6, r.subject).Bind(7, r.created_at);
    if (s.Step() != SQLITE_DONE) return Error("insert resource");
    return sqlite3_changes(db_) > 0;
  }

  absl::StatusOr<std::vector<ResourceRecord>> ListResourcesAfter(int64_t seq, int limit) override {
    absl::MutexLock lock(&mu_);
    Statement s(db_,
                "SELECT seq, provider, kind, resource_id, tenant, key_id, subject, created_at "
                "FROM resources WHERE seq > ? ORDER BY seq LIMIT ?");
    s.Bind(1, seq).Bind(2, static_cast<int64_t>(limit));
    return ReadResources(s);
  }

  absl::StatusOr<std::vector<ResourceRecord>> ListResourcesBySubject(
      const std::string& subject) override {
    absl::MutexLock lock(&mu_);
    Statement s(db_,
                "SELECT seq, provider, kind, resource_id, tenant, key_id, subject, created_at "
                "FROM resources WHERE subject = ? AND subject != '' ORDER BY seq");
    s.Bind(1, subject);
    return ReadResources(s);
  }

  absl::StatusOr<int64_t> DeleteResourcesBySubject(const std::string& subject) override {
    absl::MutexLock lock(&mu_);
    Statement s(db_, "DELETE FROM resources WHERE subject = ? AND subject != ''");
    s.Bind(1, subject);
    if (s.Step() != SQLITE_DONE) return Error("delete resources");
    return static_cast<int64_t>(sqlite3_changes(db_));
  }

  // Incident response (issue 7).
  absl::Status PutSuspension(const SuspensionRecord& r) override {
    return Mutate([&]() -> absl::Status {
      Statement s(db_,
                  "INSERT INTO suspensions (scope, target, mode, rate, reason, actor, created_at) "
                  "VALUES (?,?,?,?,?,?,?) ON CONFLICT(scope, target) DO UPDATE SET "
                  "mode = excluded.mode, rate = excluded.rate, reason = excluded.reason, "
                  "actor = excluded.actor, created_at = excluded.created_at "
                  "WHERE NOT (suspensions.mode = 'suspend' AND excluded.mode = 'throttle')");
      s.Bind(1, r.scope).Bind(2, r.target).Bind(3, r.mode).Bind(4, r.rate).Bind(5, r.reason);
      s.Bind(6, r.actor).Bind(7, r.created_at);
      if (s.Step() != SQLITE_DONE) return Error("store suspension");
      return absl::OkStatus();
    });
  }

  absl::Status DeleteSuspension(const std::string& scope, const std::string& target) override {
    return Mutate([&]() -> absl::Status {
      Statement s(db_, "DELETE FROM suspensions WHERE scope = ? AND target = ?");
      s.Bind(1, scope).Bind(2, target);
      if (s.Step() != SQLITE_DONE) return Error("delete suspension");
      if (sqlite3_changes(db_) == 0) return absl::NotFoundError("not suspended");
      return absl::OkStatus();
    });
  }

  absl::StatusOr<std::vector<SuspensionRecord>> ListSuspensions() override {
    absl::MutexLock lock(&mu_);
    Statement s(db_,
                "SELECT scope, target, mode, rate, reason, actor, created_at FROM suspensions "
                "ORDER BY created_at, scope, target");
    std::vector<SuspensionRecord> out;
    int rc;
    while ((rc = s.Step()) == SQLITE_ROW) {
      out.push_back({s.Text(0), s.Text(1), s.Text(2), s.Text(3), s.Text(4), s.Text(5), s.Int(6)});
    }
    if (rc != SQLITE_DONE) return Error("list suspensions");
    return out;
  }

  // Consent, data subjects and payload capture (issue 6).
  absl::StatusOr<ConsentRecord> GrantConsent(const ConsentRecord& c) override {
    ConsentRecord out;
    absl::Status st = Mutate([&]() -> absl::Status {
      Statement ins(db_,
                    "INSERT OR IGNORE INTO consents (subject, purpose, provider, granted_at, "
                    "revoked_at, evidence) VALUES (?,?,?,?,0,?)");
      ins.Bind(1, c.subject).Bind(2, c.purpose).Bind(3, c.provider).Bind(4, c.granted_at);
      ins.Bind(5, c.evidence);
      if (ins.Step() != SQLITE_DONE) return Error("grant consent");
      ASSIGN_OR_RETURN(std::vector<ConsentRecord> live,
                       ReadConsents("subject = ? AND purpose = ? AND provider = ? AND "
                                    "revoked_at = 0",
                                    {c.subject, c.purpose, c.provider}));
      if (live.empty()) return Error("read granted consent");
      out = std::move(live.front());
      return absl::OkStatus();
    });
    if (!st.ok()) return st;
    return out;
  }

  absl::StatusOr<ConsentRecord> RevokeConsent(const std::string& subject,
                                              const std::string& purpose,
                                              const std::string& provider, int64_t at) override {
    ConsentRecord out;
    absl::Status st = Mutate([&]() -> absl::Status {
      ASSIGN_OR_RETURN(std::vector<ConsentRecord> live,
                       ReadConsents("subject = ? AND purpose = ? AND provider = ? AND "
                                    "revoked_at = 0",
                                    {subject, purpose, provider}));
      if (live.empty()) return absl::NotFoundError("no live consent for that purpose and provider");
      Statement s(db_, "UPDATE consents SET revoked_at = ? WHERE id = ?");
      s.Bind(1, at).Bind(2, live.front().id);
      if (s.Step() != SQLITE_DONE) return Error("revoke consent");
      out = std::move(live.front());
      out.revoked_at = at;
      return absl::OkStatus();
    });
    if (!st.ok()) return st;
    return out;
  }

  absl::StatusOr<std::vector<ConsentRecord>> ListConsents(const std::string& subject) override {
    absl::MutexLock lock(&mu_);
    return ReadConsents("subject = ?", {subject});
  }

  absl::StatusOr<std::vector<ConsentRecord>> ListLiveConsents() override {
    absl::MutexLock lock(&mu_);
    return ReadConsents("revoked_at = 0", {});
  }

  // Subject keys are not versioned: a new key takes the next 'subject_seq' and gateways
  // follow the log (ListSubjectKeyEventsAfter). IMMEDIATE transactions serialise writers,
  // so seqs commit in order and a follower never skips a row that commits late.
  absl::StatusOr<SubjectKeyRecord> GetOrCreateSubjectKey(const SubjectKeyRecord& k) override {
    // Fast path without a write when the key exists.
    ASSIGN_OR_RETURN(std::optional<SubjectKeyRecord> existing, GetSubjectKey(k.subject));
    if (existing) return *existing;
    SubjectKeyRecord out;
    absl::Status st = Transaction([&]() -> absl::Status {
      Statement ins(db_,
                    "INSERT OR IGNORE INTO subject_keys (subject, sealed, created_at, seq) "
                    "VALUES (?,?,?,(SELECT value + 1 FROM meta WHERE name = 'subject_seq'))");
      ins.Bind(1, k.subject).BindBlob(2, k.sealed).Bind(3, k.created_at);
      if (ins.Step() != SQLITE_DONE) return Error("create subject key");
      if (sqlite3_changes(db_) == 1) {
        RETURN_IF_ERROR(ExecLocked("UPDATE meta SET value = value + 1 WHERE name = 'subject_seq'"));
      }
      Statement s(db_,
                  "SELECT subject, sealed, created_at, seq FROM subject_keys WHERE subject = ?");
      s.Bind(1, k.subject);
      if (s.Step() != SQLITE_ROW) return Error("read subject key");
      out = {s.Text(0), s.Text(1), s.Int(2), s.Int(3)};
      return absl::OkStatus();
    });
    if (!st.ok()) return st;
    return out;
  }

  absl::StatusOr<std::optional<SubjectKeyRecord>> GetSubjectKey(
      const std::string& subject) override {
    absl::MutexLock lock(&mu_);
    Statement s(db_, "SELECT subject, sealed, created_at, seq FROM subject_keys WHERE subject = ?");
    s.Bind(1, subject);
    int rc = s.Step();
    if (rc == SQLITE_DONE) return std::optional<SubjectKeyRecord>();
    if (rc != SQLITE_ROW) return Error("read subject key");
    return std::optional<SubjectKeyRecord>(
        SubjectKeyRecord{s.Text(0), s.Text(1), s.Int(2), s.Int(3)});
  }

  absl::StatusOr<std::vector<SubjectKeyRecord>> ListSubjectKeys() override {
    absl::MutexLock lock(&mu_);
    Statement s(db_, "SELECT subject, sealed, created_at, seq FROM subject_keys");
    std::vector<SubjectKeyRecord> out;
    int rc;
    while ((rc = s.Step()) == SQLITE_ROW) {
      out.push_back({s.Text(0), s.Text(1), s.Int(2), s.Int(3)});
    }
    if (rc != SQLITE_DONE) return Error("list subject keys");
    return out;
  }

  absl::StatusOr<int64_t> SubjectKeySeq() override {
    absl::MutexLock lock(&mu_);
    Statement s(db_, "SELECT value FROM meta WHERE name = 'subject_seq'");
    if (s.Step() != SQLITE_ROW) return Error("read subject key seq");
    return s.Int(0);
  }

  absl::StatusOr<std::vector<SubjectKeyEvent>> ListSubjectKeyEventsAfter(int64_t seq,
                                                                         int limit) override {
    absl::MutexLock lock(&mu_);
    Statement s(db_,
                "SELECT seq, 0, subject, sealed, created_at FROM subject_keys WHERE seq > ?1 "
                "UNION ALL SELECT seq, key_seq, '', '', 0 FROM subject_key_erasures "
                "WHERE seq > ?1 ORDER BY 1 LIMIT ?2");
    s.Bind(1, seq).Bind(2, static_cast<int64_t>(limit));
    std::vector<SubjectKeyEvent> out;
    int rc;
    while ((rc = s.Step()) == SQLITE_ROW) {
      SubjectKeyEvent e;
      e.seq = s.Int(0);
      e.erased_key_seq = s.Int(1);
      if (e.erased_key_seq == 0) e.key = {s.Text(2), s.Text(3), s.Int(4), e.seq};
      out.push_back(std::move(e));
    }
    if (rc != SQLITE_DONE) return Error("list subject key events");
    return out;
  }

  absl::StatusOr<SubjectErasure> EraseSubject(const std::string& subject) override {
    SubjectErasure out;
    absl::Status st = Mutate([&]() -> absl::Status {
      auto erase = [&](const char* sql, int64_t* count) -> absl::Status {
        Statement s(db_, sql);
        s.Bind(1, subject);
        if (s.Step() != SQLITE_DONE) return Error("erase subject");
        *count = sqlite3_changes(db_);
        return absl::OkStatus();
      };
      RETURN_IF_ERROR(erase("DELETE FROM consents WHERE subject = ?", &out.consents));
      RETURN_IF_ERROR(
          erase("DELETE FROM payloads WHERE subject = ? AND subject != ''", &out.payloads));
      // The key's erasure tombstone (its own seq, naming only the key's seq) is what makes
      // following nodes drop the key; see ListSubjectKeyEventsAfter.
      Statement tomb(db_,
                     "INSERT INTO subject_key_erasures (seq, key_seq) SELECT "
                     "(SELECT value + 1 FROM meta WHERE name = 'subject_seq'), seq "
                     "FROM subject_keys WHERE subject = ?");
      tomb.Bind(1, subject);
      if (tomb.Step() != SQLITE_DONE) return Error("erase subject");
      if (sqlite3_changes(db_) == 1) {
        RETURN_IF_ERROR(ExecLocked("UPDATE meta SET value = value + 1 WHERE name = 'subject_seq'"));
      }
      return erase("DELETE FROM subject_keys WHERE subject = ?", &out.keys);
    });
    if (!st.ok()) return st;
    return out;
  }

  absl::Status AddPayloads(const std::vector<PayloadRecord>& payloads) override {
    absl::MutexLock lock(&mu_);
    RETURN_IF_ERROR(ExecLocked("BEGIN IMMEDIATE"));
    absl::Status st = absl::OkStatus();
    Statement s(db_,
                "INSERT INTO payloads (subject, request_id, provider, operation, direction, "
                "created_at, size, truncated, sealed_key, sealed) VALUES (?,?,?,?,?,?,?,?,?,?)");
    for (const PayloadRecord& p : payloads) {
      s.Reset();
      s.Bind(1, p.subject).Bind(2, p.request_id).Bind(3, p.provider).Bind(4, p.operation);
      s.Bind(5, p.direction).Bind(6, p.created_at).Bind(7, p.size);
      s.Bind(8, static_cast<int64_t>(p.truncated ? 1 : 0)).BindBlob(9, p.sealed_key);
      s.BindBlob(10, p.sealed);
      if (s.Step() != SQLITE_DONE) {
        st = Error("insert payload");
        break;
      }
    }
    if (st.ok()) st = ExecLocked("COMMIT");
    if (!st.ok()) ExecLocked("ROLLBACK").IgnoreError();
    return st;
  }

  absl::StatusOr<std::vector<PayloadRecord>> ListPayloads(const std::string& subject) override {
    absl::MutexLock lock(&mu_);
    Statement s(db_,
                "SELECT id, subject, request_id, provider, operation, direction, created_at, "
                "size, truncated, sealed_key, sealed FROM payloads WHERE subject = ? AND "
                "subject != '' ORDER BY id");
    s.Bind(1, subject);
    std::vector<PayloadRecord> out;
    int rc;
    while ((rc = s.Step()) == SQLITE_ROW) {
      PayloadRecord p;
      p.id = s.Int(0);
      p.subject = s.Text(1);
      p.request_id = s.Text(2);
      p.provider = s.Text(3);
      p.operation = s.Text(4);
      p.direction = s.Text(5);
      p.created_at = s.Int(6);
      p.size = s.Int(7);
      p.truncated = s.Int(8) != 0;
      p.sealed_key = s.Text(9);
      p.sealed = s.Text(10);
      out.push_back(std::move(p));
    }
    if (rc != SQLITE_DONE) return Error("list payloads");
    return out;
  }

  absl::StatusOr<int64_t> DeletePayloadsBefore(const std::string& provider,
                                               int64_t before) override {
    absl::MutexLock lock(&mu_);
    Statement s(db_, "DELETE FROM payloads WHERE provider = ? AND created_at < ?");
    s.Bind(1, provider).Bind(2, before);
    if (s.Step() != SQLITE_DONE) return Error("purge payloads");
    return static_cast<int64_t>(sqlite3_changes(db_));
  }

  absl::StatusOr<std::vector<std::string>> PayloadProviders() override {
    absl::MutexLock lock(&mu_);
    Statement s(db_, "SELECT DISTINCT provider FROM payloads ORDER BY provider");
    std::vector<std::string> out;
    int rc;
    while ((rc = s.Step()) == SQLITE_ROW) out.push_back(s.Text(0));
    if (rc != SQLITE_DONE) return Error("list payload providers");
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

  // --- Token-signing keys (issue 3, OAuth2) ---
  absl::StatusOr<bool> InsertSigningKeyIfNone(const SigningKeyRecord& key) override {
    bool inserted = false;
    RETURN_IF_ERROR(Mutate([&]() -> absl::Status {
      Statement active(db_, "SELECT 1 FROM signing_keys WHERE retired_at = 0");
      int rc = active.Step();
      if (rc == SQLITE_ROW) return absl::OkStatus();
      if (rc != SQLITE_DONE) return Error("read signing keys");
      RETURN_IF_ERROR(InsertSigningKeyLocked(key));
      inserted = true;
      return absl::OkStatus();
    }));
    return inserted;
  }

  absl::Status RotateSigningKey(const SigningKeyRecord& next, int64_t at,
                                int64_t old_not_after) override {
    return Mutate([&]() -> absl::Status {
      Statement prune(db_, "DELETE FROM signing_keys WHERE retired_at != 0 AND not_after < ?");
      prune.Bind(1, at);
      if (prune.Step() != SQLITE_DONE) return Error("prune signing keys");
      Statement retire(db_,
                       "UPDATE signing_keys SET retired_at = ?, not_after = ? "
                       "WHERE retired_at = 0");
      retire.Bind(1, at).Bind(2, old_not_after);
      if (retire.Step() != SQLITE_DONE) return Error("retire signing key");
      return InsertSigningKeyLocked(next);
    });
  }

  // --- Usage counters (issue 4): deltas added in one transaction per batch. Usage is not
  // part of the access snapshot (the quota ledgers read it themselves), so a flush does not
  // bump the version: under traffic it would make every node reload its snapshot.
  absl::Status AddUsage(const std::vector<UsageRecord>& deltas) override {
    if (deltas.empty()) return absl::OkStatus();
    return Transaction([&]() -> absl::Status {
      Statement s(db_,
                  "INSERT INTO usage (scope, id, unit, period, amount) VALUES (?,?,?,?,?) "
                  "ON CONFLICT(scope, id, unit, period) DO UPDATE SET amount = amount + "
                  "excluded.amount");
      for (const UsageRecord& d : deltas) {
        s.Reset();
        s.Bind(1, d.scope).Bind(2, d.id).Bind(3, d.unit).Bind(4, d.period).Bind(5, d.amount);
        if (s.Step() != SQLITE_DONE) return Error("add usage");
      }
      return absl::OkStatus();
    });
  }

  absl::StatusOr<std::vector<UsageRecord>> ListUsage(const std::vector<std::string>& periods,
                                                     const std::string& scope,
                                                     const std::string& id) override {
    absl::MutexLock lock(&mu_);
    std::vector<UsageRecord> out;
    Statement s(db_,
                "SELECT scope, id, unit, period, amount FROM usage WHERE period = ? "
                "AND (? = '' OR scope = ?) AND (? = '' OR id = ?) ORDER BY scope, id, unit");
    for (const std::string& period : periods) {
      s.Reset();
      s.Bind(1, period).Bind(2, scope).Bind(3, scope).Bind(4, id).Bind(5, id);
      int rc;
      while ((rc = s.Step()) == SQLITE_ROW) {
        out.push_back({s.Text(0), s.Text(1), s.Text(2), s.Text(3), s.Int(4)});
      }
      if (rc != SQLITE_DONE) return Error("list usage");
    }
    return out;
  }

  absl::StatusOr<std::vector<SigningKeyRecord>> ListSigningKeys() override {
    absl::MutexLock lock(&mu_);
    Statement s(db_,
                "SELECT kid, alg, public_key, sealed_private, created_at, retired_at, not_after "
                "FROM signing_keys ORDER BY created_at, kid");
    std::vector<SigningKeyRecord> out;
    int rc;
    while ((rc = s.Step()) == SQLITE_ROW) {
      out.push_back({s.Text(0), s.Text(1), s.Text(2), s.Text(3), s.Int(4), s.Int(5), s.Int(6)});
    }
    if (rc != SQLITE_DONE) return Error("list signing keys");
    return out;
  }

 private:
  absl::Status InsertSigningKeyLocked(const SigningKeyRecord& k)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    Statement s(db_,
                "INSERT INTO signing_keys (kid, alg, public_key, sealed_private, created_at, "
                "retired_at, not_after) VALUES (?,?,?,?,?,?,?)");
    s.Bind(1, k.kid).Bind(2, k.alg).BindBlob(3, k.public_key).BindBlob(4, k.sealed_private);
    s.Bind(5, k.created_at).Bind(6, k.retired_at).Bind(7, k.not_after);
    int rc = s.Step();
    if (rc == SQLITE_CONSTRAINT) return absl::AlreadyExistsError("signing key exists");
    if (rc != SQLITE_DONE) return Error("insert signing key");
    return absl::OkStatus();
  }

  absl::StatusOr<std::vector<ResourceRecord>> ReadResources(Statement& s)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    std::vector<ResourceRecord> out;
    int rc;
    while ((rc = s.Step()) == SQLITE_ROW) {
      ResourceRecord r;
      r.seq = s.Int(0);
      r.provider = s.Text(1);
      r.kind = s.Text(2);
      r.id = s.Text(3);
      r.tenant = s.Text(4);
      r.key_id = s.Text(5);
      r.subject = s.Text(6);
      r.created_at = s.Int(7);
      out.push_back(std::move(r));
    }
    if (rc != SQLITE_DONE) return Error("list resources");
    return out;
  }

  absl::StatusOr<std::vector<ConsentRecord>> ReadConsents(const std::string& where,
                                                          const std::vector<std::string>& args)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    std::string sql =
        "SELECT id, subject, purpose, provider, granted_at, revoked_at, evidence "
        "FROM consents WHERE " +
        where + " ORDER BY granted_at, id";
    Statement s(db_, sql.c_str());
    for (size_t i = 0; i < args.size(); ++i) s.Bind(static_cast<int>(i + 1), args[i]);
    std::vector<ConsentRecord> out;
    int rc;
    while ((rc = s.Step()) == SQLITE_ROW) {
      out.push_back({s.Int(0), s.Text(1), s.Text(2), s.Text(3), s.Int(4), s.Int(5), s.Text(6)});
    }
    if (rc != SQLITE_DONE) return Error("list consents");
    return out;
  }

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
    k.quotas = FromJson(s.Text(12));
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
    return Transaction([&]() -> absl::Status {
      RETURN_IF_ERROR(body());
      return ExecLocked("UPDATE meta SET value = value + 1 WHERE name = 'version'");
    });
  }

  // Runs `body` in one IMMEDIATE transaction without bumping the version: only for data
  // that no snapshot holds.
  template <typename Body>
  absl::Status Transaction(Body body) {
    absl::MutexLock lock(&mu_);
    RETURN_IF_ERROR(ExecLocked("BEGIN IMMEDIATE"));
    absl::Status st = body();
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
