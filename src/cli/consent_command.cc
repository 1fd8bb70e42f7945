// `bulwark consent grant|revoke|list`: consent records (CONTRACT.md section 2). The subject
// id is hashed with a master-derived key before it reaches the store; every change is
// audited with actor "cli" and the subject's pseudonym (never the raw id) as the target.
#include <CLI/CLI.hpp>

#include "cli/common.h"
#include "service/keys.h"
#include "subjects/service.h"

namespace bulwark::cli {
namespace {

struct ConsentArgs {
  std::string subject, purpose, provider, evidence;
};

int RunChange(const GlobalOptions& global, const ConsentArgs& args, bool grant) {
  return WithEnvironment(global, [&](Environment& env) {
    subjects::Keyring ring(*env.master);
    subjects::ConsentRequest request{args.subject, args.purpose, args.provider, args.evidence};
    auto change =
        grant ? subjects::GrantConsent(*env.store, ring, env.config, request, service::Now())
              : subjects::RevokeConsent(*env.store, ring, request, service::Now());
    if (!change.ok()) return Fail(change.status());
    return FinishChange(env, "consent", grant ? "consent.grant" : "consent.revoke", change->target,
                        change->result);
  });
}

}  // namespace

void AddConsentCommands(CLI::App& app, GlobalOptions& global, int& exit_code) {
  auto* consent = app.add_subcommand("consent", "Consent records of data subjects");
  consent->require_subcommand(1);
  consent->fallthrough();

  auto grant_args = std::make_shared<ConsentArgs>();
  auto* grant = consent->add_subcommand("grant", "Record a consent (idempotent)");
  grant->fallthrough();
  grant->add_option("SUBJECT", grant_args->subject, "Subject id (as sent in X-Bulwark-Subject)")
      ->required();
  grant->add_option("--purpose", grant_args->purpose, "Purpose, e.g. personalized_video")
      ->required();
  grant->add_option("--provider", grant_args->provider, "Only this provider (default: every)");
  grant->add_option("--evidence", grant_args->evidence, "Where the consent was given");
  grant->callback([&global, &exit_code, grant_args] {
    exit_code = RunChange(global, *grant_args, /*grant=*/true);
  });

  auto revoke_args = std::make_shared<ConsentArgs>();
  auto* revoke = consent->add_subcommand("revoke", "Revoke a live consent");
  revoke->fallthrough();
  revoke->add_option("SUBJECT", revoke_args->subject, "Subject id")->required();
  revoke->add_option("--purpose", revoke_args->purpose, "Purpose")->required();
  revoke->add_option("--provider", revoke_args->provider,
                     "The provider the consent was granted for (default: the provider-less one)");
  revoke->callback([&global, &exit_code, revoke_args] {
    exit_code = RunChange(global, *revoke_args, /*grant=*/false);
  });

  auto list_subject = std::make_shared<std::string>();
  auto* list = consent->add_subcommand("list", "A subject's consents, live and revoked (JSON)");
  list->fallthrough();
  list->add_option("SUBJECT", *list_subject, "Subject id")->required();
  list->callback([&global, &exit_code, list_subject] {
    exit_code = WithEnvironment(global, [&](Environment& env) {
      subjects::Keyring ring(*env.master);
      auto out = subjects::ListConsents(*env.store, ring, *list_subject);
      if (!out.ok()) return Fail(out.status());
      PrintJson(*out);
      return kExitOk;
    });
  });
}

}  // namespace bulwark::cli
