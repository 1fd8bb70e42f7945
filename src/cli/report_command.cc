// `bulwark report processing --since D [--format json|table]`: records of processing
// (GDPR Article 30 view) from the audit log in the window, per vendor and purpose
// (subjects/processing.h). JSON on stdout by default.
#include <chrono>
#include <iostream>

#include <CLI/CLI.hpp>

#include "audit/audit.h"
#include "cli/common.h"
#include "subjects/processing.h"

namespace bulwark::cli {
namespace {

struct ReportArgs {
  std::string since;
  std::string until;
  std::string format = "json";
};

int RunProcessing(const GlobalOptions& global, const ReportArgs& args) {
  if (args.format != "json" && args.format != "table") {
    return Fail(kExitUsage, "--format is json or table");
  }
  auto since = audit::ParseWhenMs(args.since, "--since");
  if (!since.ok()) return Fail(kExitUsage, std::string(since.status().message()));
  int64_t until = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
  if (!args.until.empty()) {
    auto t = audit::ParseWhenMs(args.until, "--until");
    if (!t.ok()) return Fail(kExitUsage, std::string(t.status().message()));
    until = *t;
  }
  auto config = LoadConfig(global.ConfigPath());
  if (!config.ok()) return Fail(config.status());
  audit::SearchFilter filter;
  filter.since_ms = *since;
  filter.until_ms = until;
  filter.limit = SIZE_MAX;
  auto records = audit::Search(audit::AuditLogPath(*config), filter);
  std::vector<audit::Record> none;
  if (!records.ok() && records.status().code() != absl::StatusCode::kNotFound) {
    return Fail(kExitFailedCheck, std::string(records.status().message()));
  }
  nlohmann::json report = subjects::ProcessingReport(records.ok() ? *records : none, *since, until);
  if (args.format == "table") {
    std::cout << subjects::ProcessingTable(report);
  } else {
    PrintJson(report);
  }
  return kExitOk;
}

}  // namespace

void AddReportCommands(CLI::App& app, GlobalOptions& global, int& exit_code) {
  auto* report = app.add_subcommand("report", "Reports from the audit log");
  report->require_subcommand(1);
  report->fallthrough();
  auto args = std::make_shared<ReportArgs>();
  auto* processing = report->add_subcommand(
      "processing", "Records of processing: PII sent, redacted, pseudonymised, blocked");
  processing->fallthrough();
  processing->add_option("--since", args->since, "Start: a duration (30d) or an RFC 3339 time")
      ->required();
  processing->add_option("--until", args->until, "End (default: now)");
  processing->add_option("--format", args->format, "json (default) or table");
  processing->callback([&global, &exit_code, args] { exit_code = RunProcessing(global, *args); });
}

}  // namespace bulwark::cli
