#include "cli/common.h"

#include <ctime>
#include <iostream>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "audit/audit.h"
#include "base/status_macros.h"

namespace bulwark::cli {

std::filesystem::path GlobalOptions::ConfigPath() const {
  return config_path.empty() ? DefaultConfigPath() : std::filesystem::path(config_path);
}

int Fail(int code, std::string_view message) {
  std::cerr << "bulwark: " << message << "\n";
  return code;
}

int Fail(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kNotFound:
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kFailedPrecondition:
      return Fail(kExitUsage, std::string(status.message()));
    default:
      return Fail(kExitFailedCheck, std::string(status.message()));
  }
}

absl::Status LoadEnvironment(const GlobalOptions& global, Environment* env) {
  ASSIGN_OR_RETURN(env->config, LoadConfig(global.ConfigPath()));
  ASSIGN_OR_RETURN(MasterKey master, LoadMasterKey(env->config.master_key_file));
  env->master = std::make_unique<MasterKey>(std::move(master));
  ASSIGN_OR_RETURN(env->store, OpenStore(env->config.store_url, env->config.dir.string()));
  return absl::OkStatus();
}

void PrintJson(const nlohmann::json& value) { std::cout << value.dump() << std::endl; }

absl::Status AuditChange(const Environment& env, const std::string& kind, const std::string& action,
                         const std::string& target) {
  audit::AuditLogOptions options;
  options.wait_for_node = true;  // several CLI runs may overlap; they share the "cli" chain
  ASSIGN_OR_RETURN(auto log,
                   audit::OpenAuditLog(audit::AuditLogPath(env.config),
                                       env.master->Derive(KeyPurpose::kAudit), "cli", options));
  audit::Record record;
  record.kind = kind;
  record.actor = "cli";
  record.action = action;
  record.target = target;
  record.decision = "applied";
  return log->AppendSync(std::move(record));
}

int FinishChange(const Environment& env, const std::string& kind, const std::string& action,
                 const std::string& target, const nlohmann::json& result) {
  PrintJson(result);
  if (absl::Status st = AuditChange(env, kind, action, target); !st.ok()) {
    return Fail(kExitFailedCheck, fmt::format("the change was applied but could not be audited: {}",
                                              std::string(st.message())));
  }
  return kExitOk;
}

int Run(int argc, char** argv) {
  CLI::App app{
      "bulwark: a privacy-first security gateway for third-party AI APIs.\n"
      "Keeps vendor keys secret, authenticates and limits your apps, and forwards only what "
      "the vendor needs.",
      "bulwark"};
  app.set_version_flag("--version", "bulwark 0.1.0");
  app.require_subcommand(1);
  app.fallthrough();
  GlobalOptions global;
  app.add_option("--config", global.config_path,
                 "Config file (default: $BULWARK_CONFIG, else ./bulwark.toml)");
  int exit_code = kExitOk;
  AddInitCommand(app, global, exit_code);
  AddServeCommand(app, global, exit_code);
  AddKeysCommands(app, global, exit_code);
  AddSecretsCommands(app, global, exit_code);
  AddAdminCommands(app, global, exit_code);
  AddCheckCommand(app, global, exit_code);
  AddToolCommands(app, global, exit_code);
  AddAuditCommands(app, global, exit_code);
  AddConsentCommands(app, global, exit_code);
  AddSubjectsCommands(app, global, exit_code);
  AddPurgeCommand(app, global, exit_code);
  AddReportCommands(app, global, exit_code);
  AddAuthCommands(app, global, exit_code);
  AddIncidentCommands(app, global, exit_code);
  AddSecretsRotateCommand(app, global, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "bulwark: " << e.what() << "\nRun with --help for usage.\n";
    return kExitUsage;
  }
  return exit_code;
}

}  // namespace bulwark::cli
