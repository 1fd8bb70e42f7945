// `bulwark secrets rotate NAME`: replaces an existing vendor credential (value on stdin, one
// trailing newline stripped as for `secrets set`) while traffic flows.
//
// Why no request fails: a request takes the access snapshot once, when it starts, and
// keeps it to the end (retries included), so requests in flight finish with the old value;
// running gateways load the new value on their next poll (250 ms) and every request that
// starts after that uses it. Keep the old credential valid at the vendor until then (a
// second is enough), then revoke it there.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/common.h"
#include "cli/secrets_input.h"
#include "service/keys.h"

namespace bulwark::cli {
namespace {

int RunRotate(const GlobalOptions& global, const std::string& name) {
  SecretInput in;
  if (int code = ReadSecretInput(global, name, &in); code != kExitOk) return code;
  Environment& env = in.env;
  auto all = env.store->ListSecrets();
  if (!all.ok()) return Fail(all.status());
  bool exists = false;
  for (const SecretRecord& s : *all) exists = exists || s.name == name;
  if (!exists) {
    return Fail(
        kExitUsage,
        fmt::format("no secret named '{}' to rotate (use `bulwark secrets set {}`)", name, name));
  }
  if (auto st = service::SetSecret(*env.store, *env.master, name, in.value); !st.ok()) {
    return Fail(st);
  }
  return FinishChange(env, "secret", "secrets.rotate", name,
                      {{"name", name}, {"status", "rotated"}});
}

}  // namespace

void AddSecretsRotateCommand(CLI::App& app, GlobalOptions& global, int& exit_code) {
  CLI::App* secrets = app.get_subcommand("secrets");  // registered by AddSecretsCommands
  auto name = std::make_shared<std::string>();
  auto* rotate = secrets->add_subcommand(
      "rotate",
      "Replace a vendor credential (stdin) while traffic flows; in-flight calls finish "
      "with the old value");
  rotate->fallthrough();
  rotate->add_option("NAME", *name, "Secret name, as in providers.X.secret")->required();
  rotate->callback([&global, &exit_code, name] { exit_code = RunRotate(global, *name); });
}

}  // namespace bulwark::cli
