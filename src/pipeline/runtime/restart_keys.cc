#include "pipeline/runtime/restart_keys.h"

#include <tuple>

#include <fmt/format.h>

namespace bulwark {
namespace {

auto Tie(const AnomalyRuleConfig& r) { return std::tie(r.factor, r.min, r.action); }

bool Same(const AnomalyConfig& a, const AnomalyConfig& b) {
  return std::tie(a.enabled, a.interval, a.warmup, a.learning_period, a.throttle_rate,
                  a.max_tracked) == std::tie(b.enabled, b.interval, b.warmup, b.learning_period,
                                             b.throttle_rate, b.max_tracked) &&
         Tie(a.rate_spike) == Tie(b.rate_spike) && Tie(a.auth_failures) == Tie(b.auth_failures) &&
         Tie(a.new_network) == Tie(b.new_network) && Tie(a.pii_spike) == Tie(b.pii_spike) &&
         Tie(a.blocked_spike) == Tie(b.blocked_spike) &&
         Tie(a.spend_acceleration) == Tie(b.spend_acceleration);
}

auto Tie(const AlertsConfig& a) {
  return std::tie(a.webhooks, a.slack_webhooks, a.signing_secret, a.dedup_window, a.max_queue,
                  a.max_attempts, a.timeout);
}

auto Tie(const JwtIssuerConfig& j) {
  return std::tie(j.name, j.issuer, j.audience, j.jwks_file, j.public_keys, j.algorithms,
                  j.scopes_claim, j.claim_scopes, j.allowed_scopes, j.tenant, j.tenant_claim,
                  j.rates, j.allow_ips);
}

const JwtIssuerConfig* FindIssuer(const Config& c, const std::string& name) {
  for (const JwtIssuerConfig& j : c.jwt_issuers) {
    if (j.name == name) return &j;
  }
  return nullptr;
}

}  // namespace

std::vector<std::string> RestartOnlyChanges(const Config& running, const Config& fresh) {
  std::vector<std::string> out;
  auto check = [&out](bool changed, std::string key) {
    if (changed) out.push_back(std::move(key));
  };
  const ServerConfig& a = running.server;
  const ServerConfig& b = fresh.server;
  check(a.listen != b.listen, "server.listen");
  check(a.admin_listen != b.admin_listen, "server.admin_listen");
  check(a.workers != b.workers, "server.workers");
  check(a.tls_cert != b.tls_cert, "server.tls.cert");
  check(a.tls_key != b.tls_key, "server.tls.key");
  check(a.max_body != b.max_body, "server.max_body");
  check(a.header_timeout != b.header_timeout, "server.header_timeout");
  check(a.idle_timeout != b.idle_timeout, "server.idle_timeout");
  check(a.request_timeout != b.request_timeout, "server.request_timeout");
  check(a.max_connections != b.max_connections, "server.max_connections");
  check(a.max_connections_per_ip != b.max_connections_per_ip, "server.max_connections_per_ip");
  check(running.store_url != fresh.store_url, "store.url");
  check(running.ratelimit_url != fresh.ratelimit_url, "ratelimit.url");
  check(running.master_key_file != fresh.master_key_file, "secrets.master_key_file");
  check(running.audit_fail_closed != fresh.audit_fail_closed, "audit.fail_closed");
  check(running.purge_interval != fresh.purge_interval, "capture.purge_interval");
  check(running.capture_max_body != fresh.capture_max_body, "capture.max_body");
  check(running.capture_queue != fresh.capture_queue, "capture.queue");
  check(running.metrics_public != fresh.metrics_public, "admin.metrics_public");
  check(running.token_ttl != fresh.token_ttl, "auth.token_ttl");
  check(running.issuer != fresh.issuer, "auth.issuer");
  check(running.leeway != fresh.leeway, "auth.leeway");
  check(running.token_failure_rate != fresh.token_failure_rate, "auth.token_failure_rate");
  for (const JwtIssuerConfig& j : fresh.jwt_issuers) {
    const JwtIssuerConfig* old = FindIssuer(running, j.name);
    check(old == nullptr || Tie(*old) != Tie(j), fmt::format("auth.jwt.{}", j.name));
  }
  for (const JwtIssuerConfig& j : running.jwt_issuers) {
    check(FindIssuer(fresh, j.name) == nullptr, fmt::format("auth.jwt.{}", j.name));
  }
  check(!Same(running.anomaly, fresh.anomaly), "anomaly");
  check(Tie(running.alerts) != Tie(fresh.alerts), "alerts");
  for (const ProviderConfig& p : fresh.providers) {
    const ProviderConfig* old = running.FindProvider(p.name);
    // A new provider's captures are purged by the retention job only after a restart.
    check(old == nullptr ? p.capture : old->retention != p.retention,
          fmt::format("providers.{}.retention", p.name));
  }
  return out;
}

}  // namespace bulwark
