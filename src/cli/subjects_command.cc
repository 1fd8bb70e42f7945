// `bulwark subjects export|erase`: data-subject access and erasure (CONTRACT.md sections 2
// and 7). Erasure deletes the subject's consents, captured payloads and vendor-resource
// bindings and destroys the subject's key (crypto-shredding, subjects/keyring.h); the
// audit chain is not touched, so `audit verify` still passes.
#include <CLI/CLI.hpp>

#include "audit/audit.h"
#include "cli/common.h"
#include "subjects/service.h"

namespace bulwark::cli {

void AddSubjectsCommands(CLI::App& app, GlobalOptions& global, int& exit_code) {
  auto* cmd = app.add_subcommand("subjects", "Data-subject access and erasure");
  cmd->require_subcommand(1);
  cmd->fallthrough();

  auto export_subject = std::make_shared<std::string>();
  auto* exp = cmd->add_subcommand(
      "export", "Everything held about a subject: consents, audit, payloads, resources (JSON)");
  exp->fallthrough();
  exp->add_option("SUBJECT", *export_subject, "Subject id")->required();
  exp->callback([&global, &exit_code, export_subject] {
    exit_code = WithEnvironment(global, [&](Environment& env) {
      subjects::Keyring ring(*env.master);
      auto out = subjects::ExportSubject(*env.store, ring, audit::AuditLogPath(env.config),
                                         *export_subject);
      if (!out.ok()) return Fail(out.status());
      PrintJson(*out);
      return kExitOk;
    });
  });

  auto erase_subject = std::make_shared<std::string>();
  auto* erase = cmd->add_subcommand(
      "erase", "Delete a subject's data and destroy its key (pseudonyms become unlinkable)");
  erase->fallthrough();
  erase->add_option("SUBJECT", *erase_subject, "Subject id")->required();
  erase->callback([&global, &exit_code, erase_subject] {
    exit_code = WithEnvironment(global, [&](Environment& env) {
      subjects::Keyring ring(*env.master);
      auto change = subjects::EraseSubject(*env.store, ring, *erase_subject);
      if (!change.ok()) return Fail(change.status());
      return FinishChange(env, "subject", "subjects.erase", change->target, change->result);
    });
  });
}

}  // namespace bulwark::cli
