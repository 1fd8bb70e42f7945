// File: config.h
// The validated, immutable configuration, loaded once from TOML (CONTRACT.md section 3).
//
// Every key is declared once in the table in config.cc (name, type, default, help); the
// loader refuses unknown keys so a typo never silently falls back to a default, and
// `ConfigKeyTable()` feeds the generated reference in docs/config.md.
// Relative paths inside a config file are resolved against the file's folder.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace bulwark {

struct ServerConfig {
  std::string listen = "127.0.0.1:8080";
  std::string admin_listen = "127.0.0.1:8081";
  std::vector<std::string> trusted_proxies;
  uint64_t max_body = 1 << 20;
  std::chrono::seconds header_timeout{10};
  std::chrono::seconds idle_timeout{60};
  std::chrono::seconds request_timeout{300};
  int workers = 0;  // 0 = one per core
  uint64_t max_connections = 10000;
  uint64_t max_connections_per_ip = 1000;
  std::filesystem::path tls_cert;
  std::filesystem::path tls_key;
};

struct ProviderConfig {
  std::string name;     // table name under [providers]
  std::string profile;  // built-in profile; defaults to `name`
  std::string base_url;
  std::string secret;  // name given to `bulwark secrets set`; defaults to `name`
  std::string pii = "redact";
  std::string require_consent;
  bool passthrough = false;
  std::chrono::seconds timeout{60};
  std::chrono::seconds connect_timeout{10};
  uint64_t max_response = 64ULL << 20;
};

struct Config {
  std::filesystem::path file;  // absolute path of the loaded file
  std::filesystem::path dir;   // its folder; the base of relative paths
  ServerConfig server;
  std::string store_url = "sqlite://var/bulwark.db";
  std::string ratelimit_url = "memory://";
  std::filesystem::path master_key_file = "var/master.key";
  bool audit_fail_closed = true;
  bool metrics_public = false;
  std::chrono::seconds token_ttl{600};
  std::string issuer = "bulwark";
  std::chrono::seconds leeway{1};
  std::string access_log = "stdout";  // "stdout", "off" or a file path
  std::vector<ProviderConfig> providers;

  const ProviderConfig* FindProvider(std::string_view name) const;
  // Absolute filesystem path of a sqlite:// store URL.
  absl::StatusOr<std::filesystem::path> SqlitePath() const;
};

// Loads and validates `file`. Errors name the key and the accepted values.
absl::StatusOr<Config> LoadConfig(const std::filesystem::path& file);
absl::StatusOr<Config> ParseConfig(std::string_view toml_text, const std::filesystem::path& file);

// The config file chosen by --config, else $BULWARK_CONFIG, else ./bulwark.toml.
std::filesystem::path DefaultConfigPath();

struct ConfigKeyDoc {
  std::string_view key;
  std::string_view type;
  std::string_view default_value;
  std::string_view help;
};
const std::vector<ConfigKeyDoc>& ConfigKeyTable();

}  // namespace bulwark
