#include "config/config.h"

#include <cstdlib>
#include <fstream>
#include <functional>
#include <sstream>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "base/status_macros.h"
#include "base/units.h"

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
  if (s == "redact" || s == "pseudonymize" || s == "block" || s == "allow") return s;
  return TypeError(key, "one of \"redact\", \"pseudonymize\", \"block\", \"allow\"");
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
      {{"admin.metrics_public", "bool", "false", "Serve /metrics without an admin token."},
       Field(&Config::metrics_public, GetBool)},
      {{"auth.token_ttl", "duration", "\"10m\"", "Lifetime of OAuth2 access tokens."},
       Field(&Config::token_ttl, GetDuration)},
      {{"auth.issuer", "string", "\"bulwark\"", "`iss` of tokens bulwark signs."},
       Field(&Config::issuer, GetString)},
      {{"auth.leeway", "duration", "\"1s\"", "Clock leeway for token time checks."},
       Field(&Config::leeway, GetDuration)},
      {{"log.access", "string", "\"stdout\"",
        "Access log: \"stdout\", \"off\", or a file path (JSON lines)."},
       Field(&Config::access_log, GetString)},
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
      {{"providers.NAME.timeout", "duration", "\"60s\"",
        "No vendor answer within this gives 504 upstream_timeout."},
       ProviderField(&ProviderConfig::timeout, GetDuration)},
      {{"providers.NAME.connect_timeout", "duration", "\"10s\"",
        "TCP and TLS connect timeout to the vendor."},
       ProviderField(&ProviderConfig::connect_timeout, GetDuration)},
      {{"providers.NAME.max_response", "size", "\"64MiB\"",
        "Largest vendor response body accepted."},
       ProviderField(&ProviderConfig::max_response, GetSize)},
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
    if (const toml::table* sub = node.as_table(); sub != nullptr) {
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
  for (ProviderConfig& p : config.providers) {
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
