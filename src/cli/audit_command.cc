// `bulwark audit verify|tail|search`: reads the audit log next to the SQLite store
// (audit::AuditLogPath). Verify needs the master key (it derives the audit key); tail and
// search only read.
#include <chrono>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "audit/audit.h"
#include "base/units.h"
#include "cli/common.h"
#include "subjects/keyring.h"

namespace bulwark::cli {
namespace {

absl::StatusOr<Config> LoadOnlyConfig(const GlobalOptions& global) {
  return LoadConfig(global.ConfigPath());
}

void PrintRecords(const std::vector<audit::Record>& records) {
  for (const audit::Record& r : records) PrintJson(r.ToJson());
}

int RunVerify(const GlobalOptions& global) {
  auto config = LoadOnlyConfig(global);
  if (!config.ok()) return Fail(config.status());
  auto master = LoadMasterKey(config->master_key_file);
  if (!master.ok()) return Fail(master.status());
  auto result = audit::Verify(audit::AuditLogPath(*config), master->Derive(KeyPurpose::kAudit));
  if (result.status().code() == absl::StatusCode::kNotFound) {
    // Nothing has been audited yet (no gateway has run): an empty log.
    PrintJson({{"ok", true}, {"records", 0}});
    return kExitOk;
  }
  if (!result.ok()) return Fail(kExitFailedCheck, std::string(result.status().message()));
  if (result->ok) {
    PrintJson({{"ok", true}, {"records", result->records}});
    return kExitOk;
  }
  PrintJson({{"ok", false}, {"first_bad", result->first_bad}, {"reason", result->reason}});
  return kExitFailedCheck;
}

int RunTail(const GlobalOptions& global, int n) {
  if (n < 0) return Fail(kExitUsage, "-n must not be negative");
  auto config = LoadOnlyConfig(global);
  if (!config.ok()) return Fail(config.status());
  auto records = audit::Tail(audit::AuditLogPath(*config), static_cast<size_t>(n));
  if (records.status().code() == absl::StatusCode::kNotFound) return kExitOk;
  if (!records.ok()) return Fail(kExitFailedCheck, std::string(records.status().message()));
  PrintRecords(*records);
  return kExitOk;
}

// Internal: "the subject has no key", distinct from every exit code.
constexpr int kExitNotFoundSentinel = -1;

struct SearchArgs {
  std::optional<std::string> key_id, tenant, subject, subject_pseudonym, provider, since, until;
  std::optional<int> status;
  size_t limit = 1000;
};

int RunSearch(const GlobalOptions& global, const SearchArgs& a) {
  audit::SearchFilter filter;
  filter.key_id = a.key_id;
  filter.tenant = a.tenant;
  filter.subject = a.subject_pseudonym;
  filter.provider = a.provider;
  filter.status = a.status;
  filter.limit = a.limit;
  if (a.since) {
    auto t = audit::ParseWhenMs(*a.since, "--since");
    if (!t.ok()) return Fail(kExitUsage, std::string(t.status().message()));
    filter.since_ms = *t;
  }
  if (a.until) {
    auto t = audit::ParseWhenMs(*a.until, "--until");
    if (!t.ok()) return Fail(kExitUsage, std::string(t.status().message()));
    filter.until_ms = *t;
  }
  if (a.subject && a.subject_pseudonym) {
    return Fail(kExitUsage, "give --subject or --subject-pseudonym, not both");
  }
  if (a.subject) {
    // Records carry the subject's pseudonym, derived from its own key (issue 6): an unknown
    // or erased subject has no records to find.
    int code = WithEnvironment(global, [&](Environment& env) {
      subjects::Keyring ring(*env.master);
      auto key = ring.Find(*env.store, ring.Lookup(*a.subject));
      if (!key.ok()) return Fail(key.status());
      if (*key == nullptr) return kExitNotFoundSentinel;
      filter.subject = (*key)->pseudonym();
      return kExitOk;
    });
    if (code == kExitNotFoundSentinel) return kExitOk;
    if (code != kExitOk) return code;
  }
  auto config = LoadOnlyConfig(global);
  if (!config.ok()) return Fail(config.status());
  auto records = audit::Search(audit::AuditLogPath(*config), filter);
  if (records.status().code() == absl::StatusCode::kNotFound) return kExitOk;
  if (!records.ok()) return Fail(kExitFailedCheck, std::string(records.status().message()));
  PrintRecords(*records);
  return kExitOk;
}

}  // namespace

void AddAuditCommands(CLI::App& app, GlobalOptions& global, int& exit_code) {
  auto* audit = app.add_subcommand("audit", "The tamper-evident audit log: verify, tail, search");
  audit->require_subcommand(1);
  audit->fallthrough();

  auto* verify = audit->add_subcommand(
      "verify", "Recompute every hash chain; exit 1 and name the first bad record if broken");
  verify->fallthrough();
  verify->callback([&global, &exit_code] { exit_code = RunVerify(global); });

  auto n = std::make_shared<int>(20);
  auto* tail = audit->add_subcommand("tail", "Print the last records, one JSON object per line");
  tail->fallthrough();
  tail->add_option("-n", *n, "How many records (default 20)");
  tail->callback([&global, &exit_code, n] { exit_code = RunTail(global, *n); });

  auto args = std::make_shared<SearchArgs>();
  auto* search =
      audit->add_subcommand("search", "Print matching records (oldest first), one per line");
  search->fallthrough();
  search->add_option("--key", args->key_id, "Client key id");
  search->add_option("--tenant", args->tenant, "Tenant");
  search->add_option("--subject", args->subject,
                     "Subject id (as sent in X-Bulwark-Subject); resolved to its pseudonym");
  search->add_option("--subject-pseudonym", args->subject_pseudonym,
                     "Subject pseudonym as printed in records");
  search->add_option("--provider", args->provider, "Provider name");
  search->add_option("--status", args->status, "HTTP status answered");
  search->add_option("--since", args->since,
                     "RFC 3339 time, or a duration like 1h (that long ago)");
  search->add_option("--until", args->until,
                     "RFC 3339 time, or a duration like 1h (that long ago)");
  search->add_option("--limit", args->limit,
                     "At most this many records, the newest (default 1000)");
  search->callback([&global, &exit_code, args] { exit_code = RunSearch(global, *args); });
}

}  // namespace bulwark::cli
