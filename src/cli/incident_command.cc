// `bulwark incident freeze|thaw|list|report` (CONTRACT.md sections 2 and 7, issue 7).
//
// freeze/thaw write a suspension row through the store's versioned transaction, so every
// running gateway applies it on its next poll (250 ms): a frozen key gets 403
// `key_suspended`, a frozen tenant or a freeze of everything 503 `frozen`. Nothing is
// deleted: keys, secrets, consents and the audit log stay as they are, and thaw restores
// service exactly. Every change is audited with the operator who made it.
//
// report gathers one window of the audit log into a single JSON document for a breach
// notification: alerts, admin actions, key and secret changes, affected keys, which
// subjects' data (pseudonyms only) went to which vendor with which PII types, and the
// audit chain's verification result. A broken chain still prints the document and exits 1.
#include <chrono>
#include <map>
#include <set>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "audit/audit.h"
#include "base/units.h"
#include "cli/common.h"
#include "service/incident.h"
#include "service/keys.h"
#include <pwd.h>
#include <unistd.h>

namespace bulwark::cli {
namespace {

struct Selector {
  std::optional<std::string> key, tenant, reason;
  bool all = false;
};

// "cli:<login>" so the audit log says who froze what.
std::string Operator() {
  const char* user = nullptr;
  if (const passwd* pw = getpwuid(geteuid()); pw != nullptr) user = pw->pw_name;
  return fmt::format("cli:{}", user != nullptr ? user : std::to_string(geteuid()));
}

// Validates the selector: exactly one of --key, --tenant, --all.
absl::Status Resolve(const Selector& sel, std::string* scope, std::string* target) {
  int n = (sel.key ? 1 : 0) + (sel.tenant ? 1 : 0) + (sel.all ? 1 : 0);
  if (n != 1) return absl::InvalidArgumentError("name exactly one of --key ID, --tenant T, --all");
  if (sel.key) {
    if (!service::IsIncidentName(*sel.key)) {
      return absl::InvalidArgumentError("--key: not a key id");
    }
    *scope = "key";
    *target = *sel.key;
  } else if (sel.tenant) {
    if (!service::IsIncidentName(*sel.tenant)) {
      return absl::InvalidArgumentError("--tenant: 1-128 letters, digits, '-', '_' or '.'");
    }
    *scope = "tenant";
    *target = *sel.tenant;
  } else {
    *scope = "all";
    *target = "*";
  }
  return absl::OkStatus();
}

absl::Status AuditIncident(const Environment& env, const std::string& action,
                           const std::string& scope, const std::string& target,
                           const std::string& actor, const std::string& reason) {
  audit::AuditLogOptions options;
  options.wait_for_node = true;
  auto log = audit::OpenAuditLog(audit::AuditLogPath(env.config),
                                 env.master->Derive(KeyPurpose::kAudit), "cli", options);
  if (!log.ok()) return log.status();
  audit::Record record;
  record.kind = "incident";
  record.actor = actor;
  record.action = action;
  record.target = service::IncidentTarget(scope, target);
  if (scope == "key") record.key_id = target;
  if (scope == "tenant") record.tenant = target;
  record.decision = "applied";
  record.reason = reason;
  return (*log)->AppendSync(std::move(record));
}

int RunFreeze(const GlobalOptions& global, const Selector& sel, bool freeze) {
  std::string scope, target;
  if (auto st = Resolve(sel, &scope, &target); !st.ok()) return Fail(st);
  std::string reason = sel.reason.value_or("");
  if (reason.size() > 500) return Fail(kExitUsage, "--reason is longer than 500 characters");
  return WithEnvironment(global, [&](Environment& env) {
    std::string actor = Operator();
    SuspensionRecord row;
    row.scope = scope;
    row.target = target;
    row.reason = reason;
    row.actor = actor;
    absl::Status applied = freeze ? service::Freeze(*env.store, std::move(row))
                                  : service::Thaw(*env.store, scope, target);
    if (!applied.ok()) return Fail(applied);  // NotFound (no such key, not frozen): a usage error
    nlohmann::json out = {{"scope", scope},
                          {"target", target},
                          {"status", freeze ? "frozen" : "thawed"},
                          {"actor", actor}};
    if (freeze) out["reason"] = reason;
    PrintJson(out);
    if (auto st = AuditIncident(env, freeze ? "incident.freeze" : "incident.thaw", scope, target,
                                actor, reason);
        !st.ok()) {
      return Fail(kExitFailedCheck, fmt::format("the change was applied but could not be "
                                                "audited: {}",
                                                std::string(st.message())));
    }
    return kExitOk;
  });
}

nlohmann::json SuspensionJson(const SuspensionRecord& r) {
  nlohmann::json j = {{"scope", r.scope}, {"target", r.target},
                      {"mode", r.mode},   {"reason", r.reason},
                      {"actor", r.actor}, {"since", service::FormatTime(r.created_at)}};
  if (r.mode == "throttle") j["rate"] = r.rate;
  return j;
}

int RunList(const GlobalOptions& global) {
  return WithEnvironment(global, [](Environment& env) {
    auto rows = env.store->ListSuspensions();
    if (!rows.ok()) return Fail(rows.status());
    nlohmann::json out = nlohmann::json::array();
    for (const SuspensionRecord& r : *rows) out.push_back(SuspensionJson(r));
    PrintJson(out);
    return kExitOk;
  });
}

struct ReportArgs {
  std::string since;
  std::optional<std::string> until;
};

constexpr size_t kMaxReportRecords = 200000;

int RunReport(const GlobalOptions& global, const ReportArgs& a) {
  auto since = audit::ParseWhenMs(a.since, "--since");
  if (!since.ok()) return Fail(kExitUsage, std::string(since.status().message()));
  int64_t until_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
  if (a.until) {
    auto t = audit::ParseWhenMs(*a.until, "--until");
    if (!t.ok()) return Fail(kExitUsage, std::string(t.status().message()));
    until_ms = *t;
  }
  if (until_ms < *since) return Fail(kExitUsage, "--until is before --since");
  return WithEnvironment(global, [&](Environment& env) {
    std::filesystem::path path = audit::AuditLogPath(env.config);
    audit::SearchFilter filter;
    filter.since_ms = *since;
    filter.until_ms = until_ms;
    filter.limit = kMaxReportRecords + 1;
    std::vector<audit::Record> records;
    if (auto found = audit::Search(path, filter); found.ok()) {
      records = std::move(*found);
    } else if (found.status().code() != absl::StatusCode::kNotFound) {
      return Fail(kExitFailedCheck, std::string(found.status().message()));
    }
    bool truncated = records.size() > kMaxReportRecords;
    if (truncated) records.erase(records.begin());  // keep the newest kMaxReportRecords

    nlohmann::json alerts = nlohmann::json::array();
    nlohmann::json admin_actions = nlohmann::json::array();
    nlohmann::json changes = nlohmann::json::array();
    struct KeyInfo {
      std::string tenant;
      std::map<std::string, int64_t> refusals;
      int64_t alerts = 0;
      int64_t suspensions = 0;
    };
    std::map<std::string, KeyInfo> keys;
    struct VendorInfo {
      int64_t requests = 0;
      std::map<std::string, int64_t> pii;
      std::set<std::string> actions;
    };
    std::map<std::string, std::map<std::string, VendorInfo>> subjects;
    int64_t total = 0, refused = 0, allowed = 0;
    for (const audit::Record& r : records) {
      nlohmann::json brief = {
          {"seq", r.seq},     {"node", r.node},     {"time", audit::FormatTimeMs(r.time_ms)},
          {"actor", r.actor}, {"action", r.action}, {"target", r.target},
          {"kind", r.kind}};
      if (r.kind == "alert") {
        brief["response"] = r.decision;
        brief["rule"] = r.reason;
        alerts.push_back(brief);
        if (!r.key_id.empty()) {
          keys[r.key_id].alerts++;
          keys[r.key_id].tenant = r.tenant;
        }
        continue;
      }
      if (r.kind != "request") {
        if (!r.reason.empty()) brief["reason"] = r.reason;
        admin_actions.push_back(brief);
        if (r.kind == "key" || r.kind == "secret") changes.push_back(brief);
        if (r.action == "incident.freeze" && !r.key_id.empty()) keys[r.key_id].suspensions++;
        continue;
      }
      // Request records: a forwarded request has a durable decision record ("allowed") and
      // an outcome ("answered"); a refused one only its outcome ("refused"). Count each
      // request once.
      if (r.decision == "answered") continue;
      ++total;
      if (r.decision == "refused") {
        ++refused;
        if (!r.key_id.empty()) {
          KeyInfo& k = keys[r.key_id];
          k.tenant = r.tenant;
          k.refusals[r.reason.empty() ? "unknown" : r.reason]++;
        }
        continue;
      }
      ++allowed;
      if (!r.subject.empty()) {
        VendorInfo& v = subjects[r.subject][r.provider];
        v.requests++;
        for (const auto& [type, n] : r.pii) v.pii[type] += n;
        if (!r.pii_action.empty()) v.actions.insert(r.pii_action);
      }
    }
    auto suspensions = env.store->ListSuspensions();
    if (!suspensions.ok()) return Fail(suspensions.status());
    nlohmann::json current = nlohmann::json::array();
    for (const SuspensionRecord& s : *suspensions) {
      current.push_back(SuspensionJson(s));
      if (s.scope == "key") keys.try_emplace(s.target);  // a suspended key is affected
    }
    nlohmann::json affected = nlohmann::json::array();
    for (const auto& [id, k] : keys) {
      bool suspended_now = false;
      for (const SuspensionRecord& s : *suspensions) {
        suspended_now = suspended_now || (s.scope == "key" && s.target == id);
      }
      affected.push_back({{"key_id", id},
                          {"tenant", k.tenant},
                          {"refusals", k.refusals},
                          {"alerts", k.alerts},
                          {"freezes", k.suspensions},
                          {"suspended_now", suspended_now}});
    }
    nlohmann::json subject_list = nlohmann::json::array();
    for (const auto& [subject, vendors] : subjects) {
      nlohmann::json vs = nlohmann::json::array();
      for (const auto& [provider, v] : vendors) {
        nlohmann::json types = nlohmann::json::array();
        for (const auto& [type, n] : v.pii) types.push_back(type);
        vs.push_back({{"provider", provider},
                      {"requests", v.requests},
                      {"pii_types", types},
                      {"pii_counts", v.pii},
                      {"pii_actions", v.actions}});
      }
      subject_list.push_back({{"subject", subject}, {"vendors", vs}});
    }
    nlohmann::json chain;
    bool chain_ok = true;
    auto verified = audit::Verify(path, env.master->Derive(KeyPurpose::kAudit));
    if (verified.status().code() == absl::StatusCode::kNotFound) {
      chain = {{"ok", true}, {"records", 0}};
    } else if (!verified.ok()) {
      chain_ok = false;
      chain = {{"ok", false}, {"reason", std::string(verified.status().message())}};
    } else if (verified->ok) {
      chain = {{"ok", true}, {"records", verified->records}};
    } else {
      chain_ok = false;
      chain = {{"ok", false}, {"first_bad", verified->first_bad}, {"reason", verified->reason}};
    }
    PrintJson({{"window",
                {{"since", audit::FormatTimeMs(*since)}, {"until", audit::FormatTimeMs(until_ms)}}},
               {"generated_at",
                audit::FormatTimeMs(std::chrono::duration_cast<std::chrono::milliseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count())},
               {"requests", {{"total", total}, {"allowed", allowed}, {"refused", refused}}},
               {"alerts", alerts},
               {"admin_actions", admin_actions},
               {"key_and_secret_changes", changes},
               {"affected_keys", affected},
               {"subjects", subject_list},
               {"suspensions_now", current},
               {"audit_chain", chain},
               {"truncated", truncated}});
    return chain_ok ? kExitOk : kExitFailedCheck;
  });
}

}  // namespace

void AddIncidentCommands(CLI::App& app, GlobalOptions& global, int& exit_code) {
  auto* incident = app.add_subcommand(
      "incident", "Incident response: freeze/thaw traffic, list freezes, window report");
  incident->require_subcommand(1);
  incident->fallthrough();

  for (bool freeze : {true, false}) {
    auto sel = std::make_shared<Selector>();
    auto* cmd = incident->add_subcommand(
        freeze ? "freeze" : "thaw",
        freeze ? "Refuse traffic at once (key: 403 key_suspended; tenant/all: 503 frozen); "
                 "nothing is deleted"
               : "Lift a freeze made with `incident freeze` or by an automatic response");
    cmd->fallthrough();
    cmd->add_option("--key", sel->key, "A client key id");
    cmd->add_option("--tenant", sel->tenant, "Every key of this tenant");
    cmd->add_flag("--all", sel->all, "Every request");
    if (freeze) cmd->add_option("--reason", sel->reason, "Why (recorded and audited)");
    cmd->callback(
        [&global, &exit_code, sel, freeze] { exit_code = RunFreeze(global, *sel, freeze); });
  }

  auto* list = incident->add_subcommand("list", "Print the freezes and throttles in force");
  list->fallthrough();
  list->callback([&global, &exit_code] { exit_code = RunList(global); });

  auto args = std::make_shared<ReportArgs>();
  auto* report = incident->add_subcommand(
      "report",
      "One JSON document for a window: alerts, admin actions, affected keys, subjects "
      "per vendor, audit chain verification");
  report->fallthrough();
  report
      ->add_option("--since", args->since, "RFC 3339 time, or a duration like 24h (that long ago)")
      ->required();
  report->add_option("--until", args->until, "RFC 3339 time, or a duration (default: now)");
  report->callback([&global, &exit_code, args] { exit_code = RunReport(global, *args); });
}

}  // namespace bulwark::cli
