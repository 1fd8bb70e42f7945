// `bulwark secrets ...`: vendor credentials, sealed with the master key before they reach
// the store. Values are read from stdin and never printed.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/common.h"
#include "cli/secrets_input.h"
#include "service/keys.h"

namespace bulwark::cli {

namespace {

int RunSet(const GlobalOptions& global, const std::string& name) {
  SecretInput in;
  if (int code = ReadSecretInput(global, name, &in); code != kExitOk) return code;
  if (auto st = service::SetSecret(*in.env.store, *in.env.master, name, in.value); !st.ok()) {
    return Fail(st);
  }
  return FinishChange(in.env, "secret", "secrets.set", name,
                      {{"name", name}, {"status", "stored"}});
}

}  // namespace

void AddSecretsCommands(CLI::App& app, GlobalOptions& global, int& exit_code) {
  auto* secrets = app.add_subcommand("secrets", "Vendor credentials, stored encrypted");
  secrets->require_subcommand(1);
  secrets->fallthrough();

  auto set_name = std::make_shared<std::string>();
  auto* set = secrets->add_subcommand("set", "Store a vendor credential read from stdin");
  set->fallthrough();
  set->add_option("NAME", *set_name, "Secret name, as in providers.X.secret")->required();
  set->callback([&global, &exit_code, set_name] { exit_code = RunSet(global, *set_name); });

  auto* list = secrets->add_subcommand("list", "List secret names and dates (never values)");
  list->fallthrough();
  list->callback([&global, &exit_code] {
    exit_code = WithEnvironment(global, [](Environment& env) {
      auto all = env.store->ListSecrets();
      if (!all.ok()) {
        return Fail(all.status());
      }
      nlohmann::json out = nlohmann::json::array();
      for (const SecretRecord& s : *all) {
        out.push_back({{"name", s.name},
                       {"created_at", service::FormatTime(s.created_at)},
                       {"updated_at", service::FormatTime(s.updated_at)}});
      }
      PrintJson(out);
      return kExitOk;
    });
  });

  auto del_name = std::make_shared<std::string>();
  auto* del = secrets->add_subcommand("delete", "Delete a vendor credential");
  del->fallthrough();
  del->add_option("NAME", *del_name, "Secret name")->required();
  del->callback([&global, &exit_code, del_name] {
    exit_code = WithEnvironment(global, [del_name](Environment& env) {
      auto st = env.store->DeleteSecret(*del_name);
      if (st.code() == absl::StatusCode::kNotFound) {
        return Fail(kExitUsage, fmt::format("no secret named '{}'", *del_name));
      }
      if (!st.ok()) {
        return Fail(st);
      }
      return FinishChange(env, "secret", "secrets.delete", *del_name,
                          {{"name", *del_name}, {"status", "deleted"}});
    });
  });
}

}  // namespace bulwark::cli
