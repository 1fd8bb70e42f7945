#include "config/config.h"

#include <cstdlib>
#include <fstream>
#include <functional>
#include <sstream>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "base/limit_rules.h"
#include "base/status_macros.h"
#include "base/units.h"
#include "config/pii_policy.h"
#include "config/reserved_names.h"

namespace bulwark {
namespace {

using Setter = std::function<absl::Status(const toml::node&, Config&, ProviderConfig*)>;

struct KeySpec {
  ConfigKeyDoc doc;
  Setter set;
};

absl::Status TypeError(std::string_view key, std::string_view want) {
  return absl::InvalidArgumentError(fmt::format("config key '{}' must be {}", key, want));
}

absl::StatusOr<std::string> GetString(const toml::node& n, std::string_view key) {
  if (auto v = n.value<std::string>(); v && n.is_string()) return *v;
  return TypeError(key, "a string");
}

absl::StatusOr<bool> GetBool(const toml::node& n, std::string_view key) {
  if (n.is_boolean()) return *n.value<bool>();
  return TypeError(key, "true or false");
}

absl::StatusOr<std::chrono::seconds> GetDuration(const toml::node& n, std::string_view key) {
  ASSIGN_OR_RETURN(std::string s, GetString(n, key));
  auto d = ParseDuration(s);
  if (!d.ok()) return TypeError(key, "a duration such as \"30s\", \"15m\", \"24h\"");
  return *d;
}

absl::StatusOr<uint64_t> GetSize(const toml::node& n, std::string_view key) {
  if (n.is_integer()) {
    int64_t v = *n.value<int64_t>();
    if (v <= 0) return TypeError(key, "a positive size");
    return static_cast<uint64_t>(v);
  }
  ASSIGN_OR_RETURN(std::string s, GetString(n, key));
  auto size = ParseSize(s);
  if (!size.ok() || *size == 0) return TypeError(key, "a byte count or a string like \"1MiB\"");
  return *size;
}

absl::StatusOr<uint64_t> GetCount(const toml::node& n, std::string_view key) {
  if (n.is_integer() && *n.value<int64_t>() >= 0) return static_cast<uint64_t>(*n.value<int64_t>());
  return TypeError(key, "a non-negative integer");
}

absl::StatusOr<std::vector<std::string>> GetStrings(const toml::node& n, std::string_view key) {
  const toml::array* arr = n.as_array();
  if (arr == nullptr) return TypeError(key, "an array of strings");
  std::vector<std::string> out;
  for (const toml::node& item : *arr) {
    if (!item.is_string()) return TypeError(key, "an array of strings");
    out.push_back(*item.value<std::string>());
  }
  return out;
}

// Each setter is written once per type; the table below binds keys to fields.
template <typename T, typename Get>
Setter Field(T Config::*field, Get get) {
  return [field, get](const toml::node& n, Config& c, ProviderConfig*) -> absl::Status {
    auto v = get(n, "");
    if (!v.ok()) return v.status();
    c.*field = *v;
    return absl::OkStatus();
  };
}
template <typename T, typename Get>
Setter ServerField(T ServerConfig::*field, Get get) {
  return [field, get](const toml::node& n, Config& c, ProviderConfig*) -> absl::Status {
    auto v = get(n, "");
    if (!v.ok()) return v.status();
    c.server.*field = *v;
    return absl::OkStatus();
  };
}
template <typename T, typename Get>
Setter ProviderField(T ProviderConfig::*field, Get get) {
  return [field, get](const toml::node& n, Config&, ProviderConfig* p) -> absl::Status {
    auto v = get(n, "");
    if (!v.ok()) return v.status();
    p->*field = *v;
    return absl::OkStatus();
  };
}

absl::StatusOr<std::filesystem::path> GetPath(const toml::node& n, std::string_view key) {
  ASSIGN_OR_RETURN(std::string s, GetString(n, key));
  return std::filesystem::path(s);
}

absl::StatusOr<int> GetWorkers(const toml::node& n, std::string_view key) {
  if (n.is_integer() && *n.value<int64_t>() >= 0 && *n.value<int64_t>() <= 256) {
    return static_cast<int>(*n.value<int64_t>());
  }
  return TypeError(key, "an integer from 0 (one per core) to 256");
}

absl::StatusOr<std::string> GetPiiMode(const toml::node& n, std::string_view key) {
  ASSIGN_OR_RETURN(std::string s, GetString(n, key));
  if (s == "redact" || s == "pseudonymize" || s == "block" || s == "allow" || s == "mask") {
    return s;
  }
  return TypeError(key, "one of \"redact\", \"pseudonymize\", \"mask\", \"block\", \"allow\"");
}

absl::StatusOr<std::string> GetLogLevel(const toml::node& n, std::string_view key) {
  ASSIGN_OR_RETURN(std::string s, GetString(n, key));
  for (const char* level : {"trace", "debug", "info", "warn", "error", "critical", "off"}) {
    if (s == level) return s;
  }
  return TypeError(key,
                   "one of \"trace\", \"debug\", \"info\", \"warn\", \"error\", "
                   "\"critical\", \"off\"");
}

// [auth.jwt.NAME] keys write into the issuer being walked (the last one added).
template <typename T, typename Get>
Setter IssuerField(T JwtIssuerConfig::*field, Get get) {
  return [field, get](const toml::node& n, Config& c, ProviderConfig*) -> absl::Status {
    auto v = get(n, "");
    if (!v.ok()) return v.status();
    c.jwt_issuers.back().*field = *v;
    return absl::OkStatus();
  };
}

absl::StatusOr<std::vector<std::filesystem::path>> GetPaths(const toml::node& n,
                                                            std::string_view key) {
  ASSIGN_OR_RETURN(std::vector<std::string> items, GetStrings(n, key));
  return std::vector<std::filesystem::path>(items.begin(), items.end());
}

// [auth.jwt.NAME.claim_scopes]: "claim value" = ["scope", ...].
absl::Status SetClaimScopes(const toml::node& n, Config& c, ProviderConfig*) {
  const toml::table* t = n.as_table();
  if (t == nullptr) return TypeError("", "a table of claim value = [scopes]");
  for (const auto& [k, v] : *t) {
    auto scopes = GetStrings(v, "");
    if (!scopes.ok()) return TypeError("", "a table of claim value = [scopes]");
    c.jwt_issuers.back().claim_scopes.emplace_back(std::string(k.str()), *scopes);
  }
  return absl::OkStatus();
}

// Issue 7: setters for [anomaly] and [alerts].
template <typename T, typename Get>
Setter AnomalyField(T AnomalyConfig::*field, Get get) {
  return [field, get](const toml::node& n, Config& c, ProviderConfig*) -> absl::Status {
    auto v = get(n, "");
    if (!v.ok()) return v.status();
    c.anomaly.*field = *v;
    return absl::OkStatus();
  };
}
template <typename T, typename Get>
Setter AnomalyRuleField(AnomalyRuleConfig AnomalyConfig::*rule, T AnomalyRuleConfig::*field,
                        Get get) {
  return [rule, field, get](const toml::node& n, Config& c, ProviderConfig*) -> absl::Status {
    auto v = get(n, "");
    if (!v.ok()) return v.status();
    (c.anomaly.*rule).*field = *v;
    return absl::OkStatus();
  };
}
template <typename T, typename Get>
Setter AlertsField(T AlertsConfig::*field, Get get) {
  return [field, get](const toml::node& n, Config& c, ProviderConfig*) -> absl::Status {
    auto v = get(n, "");
    if (!v.ok()) return v.status();
    c.alerts.*field = *v;
    return absl::OkStatus();
  };
}
absl::StatusOr<std::string> GetAnomalyAction(const toml::node& n, std::string_view key) {
  ASSIGN_OR_RETURN(std::string s, GetString(n, key));
  if (s == "off" || s == "alert" || s == "throttle" || s == "suspend") return s;
  return TypeError(key, "one of \"off\", \"alert\", \"throttle\", \"suspend\"");
}
absl::StatusOr<uint64_t> GetPositive(const toml::node& n, std::string_view key) {
  if (n.is_integer() && *n.value<int64_t>() >= 1 && *n.value<int64_t>() <= 1000000000) {
    return static_cast<uint64_t>(*n.value<int64_t>());
  }
  return TypeError(key, "an integer from 1 to 1000000000");
}
absl::StatusOr<std::string> GetRateString(const toml::node& n, std::string_view key) {
  ASSIGN_OR_RETURN(std::string s, GetString(n, key));
  if (!ParseRate(s).ok()) return TypeError(key, "a rate such as \"1/s\" or \"30/m\"");
  return s;
}
absl::StatusOr<std::vector<std::string>> GetWebhookUrls(const toml::node& n, std::string_view key) {
  ASSIGN_OR_RETURN(std::vector<std::string> urls, GetStrings(n, key));
  for (const std::string& u : urls) {
    if (u.rfind("https://", 0) != 0 && u.rfind("http://", 0) != 0) {
      return TypeError(key, "an array of http:// or https:// URLs");
    }
  }
  return urls;
}

// Issue 4: rate and quota rules are validated when the file is loaded.
absl::StatusOr<std::vector<std::string>> GetRateRules(const toml::node& n, std::string_view key) {
  ASSIGN_OR_RETURN(std::vector<std::string> items, GetStrings(n, key));
  for (const std::string& item : items) {
    if (!ParseRateRule(item).ok()) {
      return TypeError(key, "an array of rates such as [\"50/s\", \"video.generate=10/m\"]");
    }
  }
  return items;
}

absl::StatusOr<std::vector<std::string>> GetQuotaRules(const toml::node& n, std::string_view key) {
  ASSIGN_OR_RETURN(std::vector<std::string> items, GetStrings(n, key));
  for (const std::string& item : items) {
    if (!ParseQuotaRule(item).ok()) {
      return TypeError(key, "an array of quotas such as [\"1000/d\", \"video_seconds:3600/mo\"]");
    }
  }
  return items;
}

absl::StatusOr<double> GetRatio(const toml::node& n, std::string_view key) {
  double v = -1;
  if (n.is_floating_point()) v = *n.value<double>();
  if (n.is_integer()) v = static_cast<double>(*n.value<int64_t>());
  if (v >= 0 && v <= 1) return v;
  return TypeError(key, "a number from 0 to 1 (a share of requests, e.g. 0.2)");
}

const std::vector<KeySpec>& Specs() {
  static const std::vector<KeySpec> specs = {
      {{"server.listen", "string", "\"127.0.0.1:8080\"", "Data-plane listen address (host:port)."},
       ServerField(&ServerConfig::listen, GetString)},
      {{"server.admin_listen", "string", "\"127.0.0.1:8081\"",
        "Admin listener: admin API, /metrics, console."},
       ServerField(&ServerConfig::admin_listen, GetString)},
      {{"server.trusted_proxies", "array of CIDR strings", "[]",
        "Peers whose X-Forwarded-For is believed."},
       ServerField(&ServerConfig::trusted_proxies, GetStrings)},
      {{"server.max_body", "size", "\"1MiB\"",
        "Largest request body; larger declared or streamed bodies get 413."},
       ServerField(&ServerConfig::max_body, GetSize)},
      {{"server.header_timeout", "duration", "\"10s\"",
        "The whole header block must arrive within this (slowloris guard)."},
       ServerField(&ServerConfig::header_timeout, GetDuration)},
      {{"server.idle_timeout", "duration", "\"60s\"",
        "Idle keep-alive connections close after this."},
       ServerField(&ServerConfig::idle_timeout, GetDuration)},
      {{"server.request_timeout", "duration", "\"300s\"",
        "Upper bound on reading one whole request body."},
       ServerField(&ServerConfig::request_timeout, GetDuration)},
      {{"server.workers", "integer", "0", "Event-loop threads; 0 means one per core."},
       ServerField(&ServerConfig::workers, GetWorkers)},
      {{"server.max_connections", "integer", "10000", "Open client connections in total."},
       ServerField(&ServerConfig::max_connections, GetCount)},
      {{"server.max_connections_per_ip", "integer", "1000",
        "Open client connections per client address."},
       ServerField(&ServerConfig::max_connections_per_ip, GetCount)},
      {{"server.tls.cert", "path", "(none)", "PEM certificate chain; enables TLS 1.2+ on listen."},
       ServerField(&ServerConfig::tls_cert, GetPath)},
      {{"server.tls.key", "path", "(none)", "PEM private key for server.tls.cert."},
       ServerField(&ServerConfig::tls_key, GetPath)},
      {{"store.url", "string", "\"sqlite://var/bulwark.db\"",
        "Store backend: sqlite://relative/path or sqlite:///absolute/path."},
       Field(&Config::store_url, GetString)},
      {{"ratelimit.url", "string", "\"memory://\"", "Rate-limit backend: memory://."},
       Field(&Config::ratelimit_url, GetString)},
      {{"secrets.master_key_file", "path", "\"var/master.key\"",
        "32-byte master key file, mode 0600; or set BULWARK_MASTER_KEY (base64)."},
       Field(&Config::master_key_file, GetPath)},
      {{"audit.fail_closed", "bool", "true",
        "Refuse traffic (503) when the audit record cannot be written."},
       Field(&Config::audit_fail_closed, GetBool)},
      {{"capture.purge_interval", "duration", "\"1h\"",
        "How often serve applies payload retention (as `bulwark purge` does)."},
       Field(&Config::purge_interval, GetDuration)},
      {{"capture.max_body", "size", "\"64KiB\"",
        "Captured bodies are truncated to this many bytes (marked truncated)."},
       Field(&Config::capture_max_body, GetSize)},
      {{"capture.queue", "integer", "1024",
        "Captures waiting for the writer thread; when full, captures are dropped (counted)."},
       Field(&Config::capture_queue, GetCount)},
      {{"admin.metrics_public", "bool", "false", "Serve /metrics without an admin token."},
       Field(&Config::metrics_public, GetBool)},
      {{"auth.token_ttl", "duration", "\"10m\"", "Lifetime of OAuth2 access tokens."},
       Field(&Config::token_ttl, GetDuration)},
      {{"auth.issuer", "string", "\"bulwark\"", "`iss` of tokens bulwark signs."},
       Field(&Config::issuer, GetString)},
      {{"auth.leeway", "duration", "\"1s\"", "Clock leeway for token time checks."},
       Field(&Config::leeway, GetDuration)},
      {{"auth.token_failure_rate", "rate", "\"10/m\"",
        "Failed client authentications allowed at POST /oauth2/token per client address "
        "(IPv6: per /64); more answer 429 with Retry-After until the rate allows again."},
       Field(&Config::token_failure_rate, GetRateString)},
      {{"auth.jwt.NAME.issuer", "string", "(required)",
        "External identity provider: the exact `iss` its tokens carry."},
       IssuerField(&JwtIssuerConfig::issuer, GetString)},
      {{"auth.jwt.NAME.audience", "string", "(required)", "A value that `aud` must contain."},
       IssuerField(&JwtIssuerConfig::audience, GetString)},
      {{"auth.jwt.NAME.jwks_file", "path", "(none)",
        "JWKS document (RFC 7517) with the issuer's public keys."},
       IssuerField(&JwtIssuerConfig::jwks_file, GetPath)},
      {{"auth.jwt.NAME.public_keys", "array of paths", "[]",
        "PEM public keys (the file stem is the kid); instead of or besides jwks_file."},
       IssuerField(&JwtIssuerConfig::public_keys, GetPaths)},
      {{"auth.jwt.NAME.algorithms", "array of strings", "(required)",
        "Accepted `alg` values: RS256, ES256, EdDSA. Nothing else is ever accepted."},
       IssuerField(&JwtIssuerConfig::algorithms, GetStrings)},
      {{"auth.jwt.NAME.scopes_claim", "string", "\"scope\"",
        "Claim holding the scopes (space-separated string or array of strings)."},
       IssuerField(&JwtIssuerConfig::scopes_claim, GetString)},
      {{"auth.jwt.NAME.claim_scopes", "table", "(none)",
        "Maps a value of scopes_claim to bulwark scopes; unmapped values give nothing."},
       SetClaimScopes},
      {{"auth.jwt.NAME.allowed_scopes", "array of strings", "(required)",
        "The most any token of this issuer may get (intersected with the claimed scopes)."},
       IssuerField(&JwtIssuerConfig::allowed_scopes, GetStrings)},
      {{"auth.jwt.NAME.tenant", "string", "\"default\"", "Tenant of this issuer's callers."},
       IssuerField(&JwtIssuerConfig::tenant, GetString)},
      {{"auth.jwt.NAME.tenant_claim", "string", "(none)",
        "Take the tenant from this claim instead (tokens without it are refused)."},
       IssuerField(&JwtIssuerConfig::tenant_claim, GetString)},
      {{"auth.jwt.NAME.rates", "array of rates", "[]",
        "Rate limits per caller (`sub`), like `keys create --rate`."},
       IssuerField(&JwtIssuerConfig::rates, GetStrings)},
      {{"auth.jwt.NAME.allow_ips", "array of CIDR strings", "[]",
        "Client addresses this issuer's tokens are accepted from (empty = any)."},
       IssuerField(&JwtIssuerConfig::allow_ips, GetStrings)},
      {{"log.access", "string", "\"stdout\"",
        "Access log: \"stdout\", \"off\", or a file path (JSON lines)."},
       Field(&Config::access_log, GetString)},
      {{"log.level", "string", "\"info\"",
        "Server log level: trace, debug, info, warn, error, critical or off (SIGHUP applies it)."},
       Field(&Config::log_level, GetLogLevel)},
      {{"providers.NAME.profile", "string", "NAME",
        "Built-in profile: heygen, writesonic or openai."},
       ProviderField(&ProviderConfig::profile, GetString)},
      {{"providers.NAME.base_url", "string", "(required)",
        "Vendor base URL; /NAME/rest is forwarded to base_url/rest."},
       ProviderField(&ProviderConfig::base_url, GetString)},
      {{"providers.NAME.secret", "string", "NAME",
        "Name of the vendor credential stored with `bulwark secrets set`."},
       ProviderField(&ProviderConfig::secret, GetString)},
      {{"providers.NAME.pii", "string", "\"redact\"",
        "PII policy: redact, pseudonymize, block or allow."},
       ProviderField(&ProviderConfig::pii, GetPiiMode)},
      {{"providers.NAME.require_consent", "string", "(none)",
        "Purpose for which every call needs a live consent."},
       ProviderField(&ProviderConfig::require_consent, GetString)},
      {{"providers.NAME.passthrough", "bool", "false",
        "Forward paths that no profile operation matches (else 403)."},
       ProviderField(&ProviderConfig::passthrough, GetBool)},
      {{"providers.NAME.ownership", "bool", "true",
        "Vendor objects (videos ...) belong to the creating key's tenant; others get 404."},
       ProviderField(&ProviderConfig::ownership, GetBool)},
      {{"providers.NAME.timeout", "duration", "\"60s\"",
        "No vendor answer within this gives 504 upstream_timeout."},
       ProviderField(&ProviderConfig::timeout, GetDuration)},
      {{"providers.NAME.connect_timeout", "duration", "\"10s\"",
        "TCP and TLS connect timeout to the vendor."},
       ProviderField(&ProviderConfig::connect_timeout, GetDuration)},
      {{"providers.NAME.max_response", "size", "\"64MiB\"",
        "Largest vendor response body accepted."},
       ProviderField(&ProviderConfig::max_response, GetSize)},
      // Traffic protection (issue 4).
      {{"providers.NAME.rate", "array of rates", "[]",
        "Rate limits shared by every client of this provider (N/s ... or OPERATION=N/PERIOD)."},
       ProviderField(&ProviderConfig::rate, GetRateRules)},
      {{"providers.NAME.max_concurrent", "integer", "0",
        "Vendor calls in flight at once; 0 = unlimited."},
       ProviderField(&ProviderConfig::max_concurrent, GetCount)},
      {{"providers.NAME.queue_size", "integer", "100",
        "Calls that may wait for a slot beyond max_concurrent; more get 503."},
       ProviderField(&ProviderConfig::queue_size, GetCount)},
      {{"providers.NAME.queue_timeout", "duration", "\"30s\"",
        "Longest wait for a slot; then 503 upstream_unavailable."},
       ProviderField(&ProviderConfig::queue_timeout, GetDuration)},
      {{"providers.NAME.retry_budget", "number", "0.2",
        "Retries may add at most this share of the provider's requests (10 s window)."},
       ProviderField(&ProviderConfig::retry_budget, GetRatio)},
      {{"providers.NAME.retry_budget_min", "integer", "3",
        "Retries per second always allowed on top of retry_budget."},
       ProviderField(&ProviderConfig::retry_budget_min, GetCount)},
      {{"providers.NAME.breaker_failures", "integer", "10",
        "Consecutive failed vendor attempts that open the circuit breaker; 0 = off."},
       ProviderField(&ProviderConfig::breaker_failures, GetCount)},
      {{"providers.NAME.breaker_cooldown", "duration", "\"10s\"",
        "How long an open breaker refuses before one probe call is let through."},
       ProviderField(&ProviderConfig::breaker_cooldown, GetDuration)},
      {{"tenants.NAME.quota", "array of quotas", "[]",
        "Quotas shared by every key of the tenant: N/d, N/mo, video_seconds:N/d, "
        "credits:N.NN/mo ..."},
       [](const toml::node& n, Config& c, ProviderConfig* t) -> absl::Status {
         auto v = GetQuotaRules(n, "");
         if (!v.ok()) return v.status();
         c.tenant_quotas[t->name] = *v;  // `t` carries the tenant's name
         return absl::OkStatus();
       }},
      {{"providers.NAME.capture", "bool", "false",
        "Store request and response bodies (after PII rewriting) encrypted, for debugging."},
       ProviderField(&ProviderConfig::capture, GetBool)},
      {{"providers.NAME.retention", "duration", "\"30d\"",
        "Captured bodies older than this are deleted by `bulwark purge` and by serve."},
       ProviderField(&ProviderConfig::retention, GetDuration)},
      // PII policy tables (issue 5; parsed in config/pii_policy.cc).
      {{"providers.NAME.policy", "table", "(none)",
        "PII policy: default, types = {TYPE = action}, unlock = {purpose = [TYPE]}, fields, "
        "unknown_fields, on_unparseable."},
       [](const toml::node& n, Config&, ProviderConfig* p) {
         return ParsePiiRule(n, "policy", /*operation_level=*/false, &p->policy);
       }},
      {{"providers.NAME.operations", "table", "(none)",
        "Per-operation PII policy: [providers.NAME.operations.\"op\"] with the policy keys "
        "(pii or default)."},
       [](const toml::node& n, Config&, ProviderConfig* p) {
         return ParsePiiOperations(n, "operations", &p->operations);
       }},
      {{"providers.NAME.accepts", "array of PII types", "[]",
        "PII types this vendor may ever receive as clear values; others are never sent."},
       [](const toml::node& n, Config&, ProviderConfig* p) {
         return ParsePiiTypeList(n, "accepts", &p->accepts);
       }},
      // Anomaly detection and alerts (issue 7; docs/config.md).
      {{"anomaly.enabled", "bool", "true", "Run the in-process anomaly detector."},
       AnomalyField(&AnomalyConfig::enabled, GetBool)},
      {{"anomaly.interval", "duration", "\"60s\"", "Counting interval of every anomaly rule."},
       AnomalyField(&AnomalyConfig::interval, GetDuration)},
      {{"anomaly.warmup", "integer", "10", "Intervals of history before a baseline rule fires."},
       AnomalyField(&AnomalyConfig::warmup, GetPositive)},
      {{"anomaly.learning_period", "duration", "\"24h\"",
        "new_network: networks seen in a key's first period of use are its normal ones."},
       AnomalyField(&AnomalyConfig::learning_period, GetDuration)},
      {{"anomaly.throttle_rate", "rate", "\"1/s\"", "The safe rate a `throttle` response sets."},
       AnomalyField(&AnomalyConfig::throttle_rate, GetRateString)},
      {{"anomaly.max_tracked", "integer", "100000", "Client addresses tracked at once."},
       AnomalyField(&AnomalyConfig::max_tracked, GetPositive)},
      {{"anomaly.rate_spike.factor", "integer", "10",
        "Requests of one key per interval above factor x its own baseline (EWMA)."},
       AnomalyRuleField(&AnomalyConfig::rate_spike, &AnomalyRuleConfig::factor, GetPositive)},
      {{"anomaly.rate_spike.min", "integer", "100",
        "Fewest events in one interval for rate_spike to fire."},
       AnomalyRuleField(&AnomalyConfig::rate_spike, &AnomalyRuleConfig::min, GetPositive)},
      {{"anomaly.rate_spike.action", "string", "\"alert\"", "off, alert, throttle or suspend."},
       AnomalyRuleField(&AnomalyConfig::rate_spike, &AnomalyRuleConfig::action, GetAnomalyAction)},
      {{"anomaly.auth_failures.factor", "integer", "1",
        "Authentication failures per interval from one address or against one key id."},
       AnomalyRuleField(&AnomalyConfig::auth_failures, &AnomalyRuleConfig::factor, GetPositive)},
      {{"anomaly.auth_failures.min", "integer", "20",
        "Fewest events in one interval for auth_failures to fire."},
       AnomalyRuleField(&AnomalyConfig::auth_failures, &AnomalyRuleConfig::min, GetPositive)},
      {{"anomaly.auth_failures.action", "string", "\"alert\"", "off, alert, throttle or suspend."},
       AnomalyRuleField(&AnomalyConfig::auth_failures, &AnomalyRuleConfig::action,
                        GetAnomalyAction)},
      {{"anomaly.new_network.factor", "integer", "1",
        "A key used from a /24 (IPv4) or /48 (IPv6) not seen for it in its learning period."},
       AnomalyRuleField(&AnomalyConfig::new_network, &AnomalyRuleConfig::factor, GetPositive)},
      {{"anomaly.new_network.min", "integer", "1",
        "Fewest events in one interval for new_network to fire."},
       AnomalyRuleField(&AnomalyConfig::new_network, &AnomalyRuleConfig::min, GetPositive)},
      {{"anomaly.new_network.action", "string", "\"alert\"", "off, alert, throttle or suspend."},
       AnomalyRuleField(&AnomalyConfig::new_network, &AnomalyRuleConfig::action, GetAnomalyAction)},
      {{"anomaly.pii_spike.factor", "integer", "10",
        "PII findings of one key per interval above factor x its baseline."},
       AnomalyRuleField(&AnomalyConfig::pii_spike, &AnomalyRuleConfig::factor, GetPositive)},
      {{"anomaly.pii_spike.min", "integer", "50",
        "Fewest events in one interval for pii_spike to fire."},
       AnomalyRuleField(&AnomalyConfig::pii_spike, &AnomalyRuleConfig::min, GetPositive)},
      {{"anomaly.pii_spike.action", "string", "\"alert\"", "off, alert, throttle or suspend."},
       AnomalyRuleField(&AnomalyConfig::pii_spike, &AnomalyRuleConfig::action, GetAnomalyAction)},
      {{"anomaly.blocked_spike.factor", "integer", "10",
        "Policy refusals (403/422/429) of one key per interval above factor x its baseline."},
       AnomalyRuleField(&AnomalyConfig::blocked_spike, &AnomalyRuleConfig::factor, GetPositive)},
      {{"anomaly.blocked_spike.min", "integer", "20",
        "Fewest events in one interval for blocked_spike to fire."},
       AnomalyRuleField(&AnomalyConfig::blocked_spike, &AnomalyRuleConfig::min, GetPositive)},
      {{"anomaly.blocked_spike.action", "string", "\"alert\"", "off, alert, throttle or suspend."},
       AnomalyRuleField(&AnomalyConfig::blocked_spike, &AnomalyRuleConfig::action,
                        GetAnomalyAction)},
      {{"anomaly.spend_acceleration.factor", "integer", "4",
        "Units (requests) of one tenant per interval above factor x its baseline."},
       AnomalyRuleField(&AnomalyConfig::spend_acceleration, &AnomalyRuleConfig::factor,
                        GetPositive)},
      {{"anomaly.spend_acceleration.min", "integer", "1000",
        "Fewest events in one interval for spend_acceleration to fire."},
       AnomalyRuleField(&AnomalyConfig::spend_acceleration, &AnomalyRuleConfig::min, GetPositive)},
      {{"anomaly.spend_acceleration.action", "string", "\"alert\"",
        "off, alert, throttle or suspend."},
       AnomalyRuleField(&AnomalyConfig::spend_acceleration, &AnomalyRuleConfig::action,
                        GetAnomalyAction)},
      {{"alerts.webhooks", "array of URLs", "[]", "Receivers of signed generic JSON alerts."},
       AlertsField(&AlertsConfig::webhooks, GetWebhookUrls)},
      {{"alerts.slack_webhooks", "array of URLs", "[]", "Slack-compatible receivers ({\"text\"})."},
       AlertsField(&AlertsConfig::slack_webhooks, GetWebhookUrls)},
      {{"alerts.signing_secret", "string", "\"alerts\"",
        "Store secret (`bulwark secrets set`) holding the HMAC-SHA256 signing key."},
       AlertsField(&AlertsConfig::signing_secret, GetString)},
      {{"alerts.dedup_window", "duration", "\"10m\"",
        "The same rule and subject alert at most once per window."},
       AlertsField(&AlertsConfig::dedup_window, GetDuration)},
      {{"alerts.max_queue", "integer", "1000", "Alerts waiting for delivery; more are dropped."},
       AlertsField(&AlertsConfig::max_queue, GetPositive)},
      {{"alerts.max_attempts", "integer", "6", "Delivery attempts per webhook (backoff 1s..60s)."},
       AlertsField(&AlertsConfig::max_attempts, GetPositive)},
      {{"alerts.timeout", "duration", "\"10s\"", "Time-out of one delivery attempt."},
       AlertsField(&AlertsConfig::timeout, GetDuration)},
  };
  return specs;
}

const KeySpec* FindSpec(std::string_view key) {
  for (const KeySpec& s : Specs()) {
    if (s.doc.key == key) return &s;
  }
  return nullptr;
}

absl::Status Walk(const toml::table& table, const std::string& prefix, Config& config,
                  ProviderConfig* provider) {
  for (const auto& [k, node] : table) {
    std::string key = prefix.empty() ? std::string(k.str()) : prefix + "." + std::string(k.str());
    if (prefix == "providers") {
      const toml::table* pt = node.as_table();
      if (pt == nullptr) return TypeError(key, "a table");
      ProviderConfig p;
      p.name = std::string(k.str());
      RETURN_IF_ERROR(Walk(*pt, "providers.NAME", config, &p));
      config.providers.push_back(std::move(p));
      continue;
    }
    if (prefix == "tenants") {  // issue 4: [tenants.NAME] quota = [...]
      const toml::table* tt = node.as_table();
      if (tt == nullptr) return TypeError(key, "a table");
      ProviderConfig tenant;  // only its name is used, by the tenants.NAME.* setters
      tenant.name = std::string(k.str());
      for (const auto& [tk, tv] : *tt) {
        std::string shown = fmt::format("tenants.{}.{}", tenant.name, std::string(tk.str()));
        const KeySpec* tspec = FindSpec("tenants.NAME." + std::string(tk.str()));
        if (tspec == nullptr) {
          return absl::InvalidArgumentError(
              fmt::format("unknown config key '{}' (see docs/config.md for every key)", shown));
        }
        if (absl::Status st = tspec->set(tv, config, &tenant); !st.ok()) {
          return absl::InvalidArgumentError(fmt::format(
              "config key '{}' is invalid: {}", shown,
              std::string(st.message()).substr(std::string(st.message()).find("must"))));
        }
      }
      continue;
    }
    if (prefix == "auth.jwt") {
      const toml::table* it = node.as_table();
      if (it == nullptr) return TypeError(key, "a table");
      config.jwt_issuers.emplace_back().name = std::string(k.str());
      RETURN_IF_ERROR(Walk(*it, "auth.jwt.NAME", config, nullptr));
      continue;
    }
    if (key == "auth.jwt.NAME.claim_scopes") {
      if (absl::Status st = SetClaimScopes(node, config, nullptr); !st.ok()) {
        return TypeError(fmt::format("auth.jwt.{}.claim_scopes", config.jwt_issuers.back().name),
                         "a table of claim value = [scopes]");
      }
      continue;
    }
    if (const toml::table* sub = node.as_table(); sub != nullptr && FindSpec(key) == nullptr) {
      RETURN_IF_ERROR(Walk(*sub, key, config, provider));
      continue;
    }
    const KeySpec* spec = FindSpec(key);
    if (spec == nullptr) {
      std::string shown = provider ? "providers." + provider->name + key.substr(14) : key;
      return absl::InvalidArgumentError(
          fmt::format("unknown config key '{}' (see docs/config.md for every key)", shown));
    }
    absl::Status st = spec->set(node, config, provider);
    if (!st.ok()) {
      std::string shown = provider ? "providers." + provider->name + key.substr(14) : key;
      return absl::InvalidArgumentError(
          fmt::format("config key '{}' is invalid: {}", shown,
                      std::string(st.message()).substr(std::string(st.message()).find("must"))));
    }
  }
  return absl::OkStatus();
}

std::filesystem::path Resolve(const std::filesystem::path& dir, const std::filesystem::path& p) {
  if (p.empty() || p.is_absolute()) return p;
  return (dir / p).lexically_normal();
}

}  // namespace

const ProviderConfig* Config::FindProvider(std::string_view name) const {
  for (const ProviderConfig& p : providers) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

absl::StatusOr<std::filesystem::path> Config::SqlitePath() const {
  constexpr std::string_view kScheme = "sqlite://";
  if (store_url.rfind(kScheme, 0) != 0) {
    return absl::InvalidArgumentError(
        fmt::format("store.url '{}' is not a sqlite:// URL", store_url));
  }
  std::string rest = store_url.substr(kScheme.size());
  if (rest.empty()) return absl::InvalidArgumentError("store.url has no database path");
  return Resolve(dir, rest);
}

absl::StatusOr<Config> ParseConfig(std::string_view toml_text, const std::filesystem::path& file) {
  Config config;
  config.file = std::filesystem::absolute(file).lexically_normal();
  config.dir = config.file.parent_path();
  toml::table root;
  try {
    root = toml::parse(toml_text, file.string());
  } catch (const toml::parse_error& e) {
    std::ostringstream where;
    where << e.source().begin;
    return absl::InvalidArgumentError(
        fmt::format("{}: {} ({})", file.string(), std::string(e.description()), where.str()));
  }
  RETURN_IF_ERROR(Walk(root, "", config, nullptr));

  config.master_key_file = Resolve(config.dir, config.master_key_file);
  config.server.tls_cert = Resolve(config.dir, config.server.tls_cert);
  config.server.tls_key = Resolve(config.dir, config.server.tls_key);
  if (config.access_log != "stdout" && config.access_log != "off") {
    config.access_log = Resolve(config.dir, config.access_log).string();
  }
  if (config.server.tls_cert.empty() != config.server.tls_key.empty()) {
    return absl::InvalidArgumentError("server.tls needs both cert and key");
  }
  if (config.store_url.rfind("sqlite://", 0) != 0) {
    return absl::InvalidArgumentError(
        fmt::format("store.url '{}' is not supported: use sqlite://PATH (PostgreSQL comes later)",
                    config.store_url));
  }
  if (config.ratelimit_url != "memory://") {
    return absl::InvalidArgumentError(
        fmt::format("ratelimit.url '{}' is not supported: use memory:// (Redis comes later)",
                    config.ratelimit_url));
  }
  for (JwtIssuerConfig& j : config.jwt_issuers) {
    auto bad = [&j](std::string_view why) {
      return absl::InvalidArgumentError(fmt::format("auth.jwt.{}: {}", j.name, why));
    };
    if (j.issuer.empty()) return bad("issuer is required");
    if (j.issuer == config.issuer) return bad("issuer must differ from auth.issuer");
    if (j.audience.empty()) return bad("audience is required");
    if (j.algorithms.empty()) return bad("algorithms is required (RS256, ES256, EdDSA)");
    for (const std::string& a : j.algorithms) {
      if (a != "RS256" && a != "ES256" && a != "EdDSA") {
        return bad(fmt::format("algorithm '{}' is not accepted (RS256, ES256, EdDSA)", a));
      }
    }
    if (j.jwks_file.empty() && j.public_keys.empty()) {
      return bad("set jwks_file or public_keys");
    }
    if (j.allowed_scopes.empty()) return bad("allowed_scopes is required");
    if (j.scopes_claim.empty()) return bad("scopes_claim must not be empty");
    j.jwks_file = Resolve(config.dir, j.jwks_file);
    for (auto& key_file : j.public_keys) key_file = Resolve(config.dir, key_file);
  }
  for (ProviderConfig& p : config.providers) {
    if (IsReservedProviderName(p.name)) {
      return absl::InvalidArgumentError(fmt::format(
          "provider name '{}' is reserved: /{}/ is one of bulwark's own paths (reserved: {}); "
          "rename [providers.{}]",
          p.name, p.name, ReservedProviderNamesText(), p.name));
    }
    if (p.profile.empty()) p.profile = p.name;
    if (p.secret.empty()) p.secret = p.name;
    if (p.base_url.empty()) {
      return absl::InvalidArgumentError(fmt::format("providers.{}.base_url is required", p.name));
    }
    for (char c : p.name) {
      if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_')) {
        return absl::InvalidArgumentError(
            fmt::format("provider name '{}' may hold only letters, digits, '-' and '_'", p.name));
      }
    }
  }
  return config;
}

absl::StatusOr<Config> LoadConfig(const std::filesystem::path& file) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec)) {
    return absl::NotFoundError(fmt::format(
        "config file {} not found: run `bulwark init` or pass --config FILE", file.string()));
  }
  std::ifstream in(file);
  std::stringstream buffer;
  buffer << in.rdbuf();
  if (!in.good() && !in.eof()) {
    return absl::UnavailableError(fmt::format("cannot read {}", file.string()));
  }
  return ParseConfig(buffer.str(), file);
}

std::filesystem::path DefaultConfigPath() {
  if (const char* env = std::getenv("BULWARK_CONFIG"); env != nullptr && *env != '\0') {
    return env;
  }
  return "bulwark.toml";
}

const std::vector<ConfigKeyDoc>& ConfigKeyTable() {
  static const std::vector<ConfigKeyDoc> docs = [] {
    std::vector<ConfigKeyDoc> out;
    for (const KeySpec& s : Specs()) out.push_back(s.doc);
    return out;
  }();
  return docs;
}

}  // namespace bulwark
