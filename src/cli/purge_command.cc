// `bulwark purge`: applies payload retention now (serve also does it every
// `capture.purge_interval`) and prints what was deleted per provider as JSON.
//
// `--now TIME` (hidden, for tests) evaluates retention as of an RFC 3339 time instead of
// the system clock.
#include <CLI/CLI.hpp>

#include "audit/audit.h"
#include "cli/common.h"
#include "service/keys.h"
#include "subjects/service.h"

namespace bulwark::cli {

void AddPurgeCommand(CLI::App& app, GlobalOptions& global, int& exit_code) {
  auto now_text = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand("purge", "Apply payload retention now (JSON summary)");
  cmd->fallthrough();
  cmd->add_option("--now", *now_text, "Evaluate retention as of this RFC 3339 time (tests)")
      ->group("");
  cmd->callback([&global, &exit_code, now_text] {
    exit_code = WithEnvironment(global, [&](Environment& env) {
      int64_t now = service::Now();
      if (!now_text->empty()) {
        auto ms = audit::ParseTimeMs(*now_text);
        if (!ms.ok()) return Fail(kExitUsage, std::string(ms.status().message()));
        now = *ms / 1000;
      }
      auto summary = subjects::Purge(*env.store, env.config, now);
      if (!summary.ok()) return Fail(summary.status());
      return FinishChange(env, "retention", "payloads.purge",
                          fmt::format("deleted:{}", (*summary)["deleted"].get<int64_t>()),
                          *summary);
    });
  });
}

}  // namespace bulwark::cli
