// `bulwark check`: lints the configuration and the store for security mistakes. Prints
// {"ok": bool, "findings": [{"severity","check","message"}]} and exits 1 when any finding
// is high.
#include <cstdlib>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "base/cidr.h"
#include "base/units.h"
#include "cli/common.h"
#include "http/server.h"
#include "pipeline/privacy/route_policy.h"
#include "pipeline/runtime/runtime_config.h"
#include "service/keys.h"
#include "upstream/client.h"
#include <sys/stat.h>

namespace bulwark::cli {
namespace {

bool IsLoopback(const std::string& host) {
  auto ip = IpAddress::Parse(host);
  if (!ip.ok()) return host == "localhost";
  static const Cidr v4 = Cidr::Parse("127.0.0.0/8").value();
  static const Cidr v6 = Cidr::Parse("::1/128").value();
  return v4.Contains(*ip) || v6.Contains(*ip);
}

bool ListenIsLoopback(const std::string& listen) {
  std::string host;
  uint16_t port = 0;
  return http::SplitHostPort(listen, &host, &port).ok() && IsLoopback(host);
}

int RunCheck(const GlobalOptions& global) {
  nlohmann::json findings = nlohmann::json::array();
  bool high = false;
  auto add = [&](std::string_view severity, std::string_view check, std::string message) {
    high = high || severity == "high";
    findings.push_back({{"severity", severity}, {"check", check}, {"message", std::move(message)}});
  };

  auto config = LoadConfig(global.ConfigPath());
  if (!config.ok()) return Fail(config.status());
  const Config& c = *config;

  if (std::getenv("BULWARK_MASTER_KEY") == nullptr) {
    struct stat st {};
    if (::stat(c.master_key_file.c_str(), &st) != 0) {
      add("high", "master_key.missing",
          fmt::format("{} does not exist", c.master_key_file.string()));
    } else if ((st.st_mode & 077) != 0) {
      add("high", "master_key.permissions",
          fmt::format("{} has mode {:o}; run chmod 600 {}", c.master_key_file.string(),
                      st.st_mode & 0777, c.master_key_file.string()));
    }
  }
  bool tls = !c.server.tls_cert.empty();
  if (!ListenIsLoopback(c.server.listen) && !tls) {
    add("high", "server.listen.plaintext",
        fmt::format(
            "server.listen {} is not loopback and has no TLS: client keys would cross "
            "the network in clear; set [server.tls] or listen on 127.0.0.1 behind a TLS proxy",
            c.server.listen));
  }
  if (!ListenIsLoopback(c.server.admin_listen)) {
    add("high", "server.admin_listen.plaintext",
        fmt::format("server.admin_listen {} is not loopback and the admin listener has no TLS",
                    c.server.admin_listen));
  }
  if (!c.audit_fail_closed) {
    add("high", "audit.fail_open",
        "audit.fail_closed = false: requests are forwarded even when they cannot be audited");
  }
  if (c.token_ttl > std::chrono::hours(1)) {
    add("medium", "auth.token_ttl",
        fmt::format("auth.token_ttl is {}: a leaked OAuth2 token stays usable that long after "
                    "issue (revoking its key still stops it); 10m to 1h is usual",
                    bulwark::FormatDuration(c.token_ttl)));
  }
  if (c.metrics_public && !ListenIsLoopback(c.server.admin_listen)) {
    add("medium", "admin.metrics_public", "/metrics is public on a non-loopback listener");
  }
  for (const ProviderConfig& p : c.providers) {
    auto endpoint = ProviderEndpoint(p);
    if (!endpoint.ok()) {
      add("high", "provider.base_url", std::string(endpoint.status().message()));
    } else if (!endpoint->tls && !IsLoopback(endpoint->host)) {
      add("high", "provider.plaintext",
          fmt::format("providers.{}.base_url is not https: the vendor key would cross the "
                      "network in clear",
                      p.name));
    }
    if (p.pii == "allow") {
      add("medium", "provider.pii_allow",
          fmt::format("providers.{}.pii = \"allow\": personal data is forwarded unchanged",
                      p.name));
    }
    for (std::string& warning : UnacceptedTypeWarnings(p)) {
      add("medium", "provider.pii_not_accepted", std::move(warning));
    }
    if (!p.ownership) {
      add("medium", "provider.ownership_off",
          fmt::format("providers.{}.ownership = false: any key may read or delete every vendor "
                      "object (OWASP API1)",
                      p.name));
    }
    if (p.passthrough) {
      add("low", "provider.passthrough",
          fmt::format("providers.{} forwards paths outside its profile", p.name));
    }
  }

  Environment env;
  if (auto st = LoadEnvironment(global, &env); !st.ok()) {
    add("high", "store.unavailable", std::string(st.message()));
  } else {
    auto keys = env.store->ListKeys();
    if (keys.ok()) {
      for (const KeyRecord& k : *keys) {
        bool live = k.revoked_at == 0 && (k.expires_at == 0 || k.expires_at > service::Now());
        bool star = std::find(k.scopes.begin(), k.scopes.end(), "*") != k.scopes.end();
        if (live && star && k.expires_at == 0) {
          add("high", "key.unbounded",
              fmt::format("key {} ({}) has scope * and no expiry; narrow its scopes or set "
                          "--expires-in",
                          k.id, k.name));
        }
      }
    }
    auto secrets = env.store->ListSecrets();
    if (secrets.ok()) {
      for (const ProviderConfig& p : c.providers) {
        bool found = false;
        for (const SecretRecord& s : *secrets) found = found || s.name == p.secret;
        if (!found) {
          add("medium", "provider.secret_missing",
              fmt::format("providers.{}: secret '{}' is not set (`bulwark secrets set {}`)", p.name,
                          p.secret, p.secret));
        }
      }
    }
  }
  PrintJson({{"ok", !high}, {"findings", findings}});
  return high ? kExitFailedCheck : kExitOk;
}

}  // namespace

void AddCheckCommand(CLI::App& app, GlobalOptions& global, int& exit_code) {
  auto* cmd = app.add_subcommand("check", "Lint the configuration and store for security mistakes");
  cmd->fallthrough();
  cmd->callback([&global, &exit_code] { exit_code = RunCheck(global); });
}

}  // namespace bulwark::cli
