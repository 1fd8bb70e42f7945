// File: common.h
// What every command shares: exit codes, loading config + master key + store with clear
// one-line errors, JSON output on stdout and messages on stderr.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "absl/status/status.h"
#include "config/config.h"
#include "crypto/keys.h"
#include "storage/store.h"

namespace CLI {
class App;
}

namespace bulwark::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailedCheck = 1;
inline constexpr int kExitUsage = 2;

// Options shared by every command.
struct GlobalOptions {
  std::string config_path;  // --config; empty = $BULWARK_CONFIG or ./bulwark.toml
  std::filesystem::path ConfigPath() const;
};

// Prints "bulwark: <message>" on stderr and returns `code`.
int Fail(int code, std::string_view message);
int Fail(const absl::Status& status);  // maps NotFound/InvalidArgument/... to 2, others 1

// A vendor secret piped on stdin (`secrets set`, `secrets rotate`): at most 16 KiB, one
// trailing newline (or CRLF) stripped, not empty.
absl::StatusOr<Secret> ReadSecretFromStdin();

// Config, master key and store, loaded together (most commands need all three).
struct Environment {
  Config config;
  std::unique_ptr<MasterKey> master;
  std::unique_ptr<Store> store;
};
absl::Status LoadEnvironment(const GlobalOptions& global, Environment* env);

// Loads the environment and returns `body(env)`, or the load failure's exit code.
template <typename Body>
int WithEnvironment(const GlobalOptions& global, Body body) {
  Environment env;
  if (absl::Status st = LoadEnvironment(global, &env); !st.ok()) return Fail(st);
  return body(env);
}

void PrintJson(const nlohmann::json& value);

// Appends a durable audit record of a change made from the command line (actor "cli").
// The change has already been applied; on failure the caller reports it and exits 1.
absl::Status AuditChange(const Environment& env, const std::string& kind, const std::string& action,
                         const std::string& target);
// Prints `result` and audits the change; returns the exit code.
int FinishChange(const Environment& env, const std::string& kind, const std::string& action,
                 const std::string& target, const nlohmann::json& result);

// Registration of each command group on the root app.
void AddInitCommand(CLI::App& app, GlobalOptions& global, int& exit_code);
void AddServeCommand(CLI::App& app, GlobalOptions& global, int& exit_code);
void AddKeysCommands(CLI::App& app, GlobalOptions& global, int& exit_code);
void AddAdminCommands(CLI::App& app, GlobalOptions& global, int& exit_code);
void AddSecretsCommands(CLI::App& app, GlobalOptions& global, int& exit_code);
void AddCheckCommand(CLI::App& app, GlobalOptions& global, int& exit_code);
void AddToolCommands(CLI::App& app, GlobalOptions& global, int& exit_code);
void AddAuditCommands(CLI::App& app, GlobalOptions& global, int& exit_code);
// Consent, data subjects, retention and records of processing (issue 6).
void AddConsentCommands(CLI::App& app, GlobalOptions& global, int& exit_code);
void AddSubjectsCommands(CLI::App& app, GlobalOptions& global, int& exit_code);
void AddPurgeCommand(CLI::App& app, GlobalOptions& global, int& exit_code);
void AddReportCommands(CLI::App& app, GlobalOptions& global, int& exit_code);
// Incident response (issue 7): `incident ...` and `secrets rotate` (after AddSecretsCommands).
void AddIncidentCommands(CLI::App& app, GlobalOptions& global, int& exit_code);
void AddSecretsRotateCommand(CLI::App& app, GlobalOptions& global, int& exit_code);
// OAuth2 token-signing keys (issue 3): `auth signing-keys`, `auth rotate-signing-key`.
void AddAuthCommands(CLI::App& app, GlobalOptions& global, int& exit_code);

int Run(int argc, char** argv);

}  // namespace bulwark::cli
