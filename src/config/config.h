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
#include <map>
#include <string>
#include <utility>
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

// A PII policy as written in [providers.X.policy] or [providers.X.operations."op"]
// (config/pii_policy.h); names are validated, "" means inherit from the level above.
struct PiiRuleConfig {
  std::string default_action;                              // allow|redact|mask|pseudonymize|block
  std::map<std::string, std::string> types;                // PII type -> action
  std::map<std::string, std::vector<std::string>> unlock;  // consent purpose -> PII types
  std::string fields;                                      // profile | all
  std::string unknown_fields;                              // drop | refuse | allow
  std::string on_unparseable;                              // refuse | allow
};

struct ProviderConfig {
  std::string name;     // table name under [providers]
  std::string profile;  // built-in profile; defaults to `name`
  std::string base_url;
  std::string secret;  // name given to `bulwark secrets set`; defaults to `name`
  std::string pii = "redact";
  std::string require_consent;
  bool passthrough = false;
  bool ownership = true;  // vendor objects bound to tenants (pipeline/ownership)
  std::chrono::seconds timeout{60};
  std::chrono::seconds connect_timeout{10};
  uint64_t max_response = 64ULL << 20;
  // Traffic protection (issue 4; reloaded on SIGHUP). `rate` rules as in base/limit_rules.h.
  std::vector<std::string> rate;  // one budget for every client of this provider
  uint64_t max_concurrent = 0;    // vendor calls in flight; 0 = unlimited
  uint64_t queue_size = 100;      // calls waiting for a slot beyond max_concurrent
  std::chrono::seconds queue_timeout{30};
  double retry_budget = 0.2;       // retries at most this share of requests ...
  uint64_t retry_budget_min = 3;   // ... plus this many per second
  uint64_t breaker_failures = 10;  // consecutive failed attempts that open the breaker; 0 = off
  std::chrono::seconds breaker_cooldown{10};
  // Payload capture (issue 6): store request/response bodies encrypted, kept `retention`.
  bool capture = false;
  std::chrono::seconds retention{30 * 86400};
  // PII policy (issue 5): `pii` is the provider default unless policy.default is set.
  PiiRuleConfig policy;
  std::map<std::string, PiiRuleConfig> operations;  // operation name -> its policy
  std::vector<std::string> accepts;  // PII types this vendor may receive; default none
};

// An external identity provider whose JWTs are accepted as Bearer credentials
// ([auth.jwt.NAME], see docs/config.md). Its tokens act as the synthetic key
// "jwt:NAME:<sub>" in the rest of the pipeline.
struct JwtIssuerConfig {
  std::string name;                                // table name under [auth.jwt]
  std::string issuer;                              // required: the exact `iss`
  std::string audience;                            // required: must appear in `aud`
  std::filesystem::path jwks_file;                 // a JWKS document (RFC 7517), or
  std::vector<std::filesystem::path> public_keys;  // PEM public keys (kid = file stem)
  std::vector<std::string> algorithms;             // required: RS256 | ES256 | EdDSA
  std::string scopes_claim = "scope";              // space-separated string or array of strings
  // Claim value -> bulwark scopes; when empty the claim values are bulwark scopes.
  std::vector<std::pair<std::string, std::vector<std::string>>> claim_scopes;
  std::vector<std::string> allowed_scopes;  // required: the most a token may get
  std::string tenant = "default";
  std::string tenant_claim;  // when set, the tenant is this claim (required in tokens)
  std::vector<std::string> rates;
  std::vector<std::string> allow_ips;
};

// Anomaly detection and alerting (issue 7; docs/config.md [anomaly] and [alerts]).
struct AnomalyRuleConfig {
  uint64_t factor = 10;          // fire above factor x the subject's own baseline ...
  uint64_t min = 100;            // ... and at least this many events in one interval
  std::string action = "alert";  // off | alert | throttle | suspend
};
struct AnomalyConfig {
  bool enabled = true;
  std::chrono::seconds interval{60};            // counting interval (bucket)
  uint64_t warmup = 10;                         // intervals of history before baselines count
  std::chrono::seconds learning_period{86400};  // new_network: networks learnt per key first
  std::string throttle_rate = "1/s";            // the safe rate of a `throttle` response
  uint64_t max_tracked = 100000;                // client addresses tracked at once
  AnomalyRuleConfig rate_spike{10, 100, "alert"};
  AnomalyRuleConfig auth_failures{1, 20, "alert"};  // min = failures per interval
  AnomalyRuleConfig new_network{1, 1, "alert"};
  AnomalyRuleConfig pii_spike{10, 50, "alert"};
  AnomalyRuleConfig blocked_spike{10, 20, "alert"};
  AnomalyRuleConfig spend_acceleration{4, 1000, "alert"};
};
struct AlertsConfig {
  std::vector<std::string> webhooks;        // generic JSON receivers
  std::vector<std::string> slack_webhooks;  // Slack-compatible ({"text": ...})
  std::string signing_secret = "alerts";    // store secret holding the HMAC key
  std::chrono::seconds dedup_window{600};
  uint64_t max_queue = 1000;
  uint64_t max_attempts = 6;
  std::chrono::seconds timeout{10};
};

struct Config {
  std::filesystem::path file;  // absolute path of the loaded file
  std::filesystem::path dir;   // its folder; the base of relative paths
  ServerConfig server;
  std::string store_url = "sqlite://var/bulwark.db";
  std::string ratelimit_url = "memory://";
  std::filesystem::path master_key_file = "var/master.key";
  bool audit_fail_closed = true;
  // Payload capture (issue 6): retention schedule and bounds ([capture] keys).
  std::chrono::seconds purge_interval{3600};
  uint64_t capture_max_body = 64 << 10;
  uint64_t capture_queue = 1024;
  bool metrics_public = false;
  std::chrono::seconds token_ttl{600};
  std::string issuer = "bulwark";
  std::chrono::seconds leeway{1};
  // Failed client authentications at POST /oauth2/token per client address (an IPv6
  // client by its /64), as a rate; beyond it 429 with Retry-After ([auth] token_failure_rate).
  std::string token_failure_rate = "10/m";
  std::string access_log = "stdout";  // "stdout", "off" or a file path
  std::string log_level = "info";     // trace|debug|info|warn|error|critical|off (SIGHUP)
  std::vector<ProviderConfig> providers;
  // [tenants.NAME] quota = [...] (issue 4): tenant name -> quota rules.
  std::map<std::string, std::vector<std::string>> tenant_quotas;
  std::vector<JwtIssuerConfig> jwt_issuers;  // [auth.jwt.NAME]
  AnomalyConfig anomaly;                     // [anomaly] (issue 7)
  AlertsConfig alerts;                       // [alerts] (issue 7)

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
