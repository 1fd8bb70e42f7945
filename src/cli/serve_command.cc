// `bulwark serve`: the data plane and the admin listener.
//
// Startup order: config -> master key (mode 0600 or refuse) -> store (migrated) -> first
// access snapshot -> listeners. SIGINT/SIGTERM stop accepting, let in-flight requests
// finish (up to 30 s) and exit 0.
#include <cctype>
#include <iostream>
#include <thread>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "admin/admin_api.h"
#include "alerts/dispatcher.h"
#include "anomaly/detector.h"
#include "audit/audit.h"
#include "auth/signing_keys.h"
#include "cli/common.h"
#include "http/server.h"
#include "observability/access_log.h"
#include "observability/metrics.h"
#include "pipeline/gateway.h"
#include "pipeline/ownership/ownership_index.h"
#include "pipeline/snapshot.h"
#include "ratelimit/limiter.h"
#include <signal.h>
#include <unistd.h>

namespace bulwark::cli {
namespace {

http::ServerOptions ListenerOptions(const Config& c, const std::string& listen, int workers) {
  http::ServerOptions o;
  o.listen = listen;
  o.workers = workers;
  o.limits.max_body = c.server.max_body;
  o.header_timeout = c.server.header_timeout;
  o.idle_timeout = c.server.idle_timeout;
  o.request_timeout = c.server.request_timeout;
  o.max_connections = c.server.max_connections;
  o.max_connections_per_ip = c.server.max_connections_per_ip;
  return o;
}

int RunServe(const GlobalOptions& global) {
  // Block the stop signals before any thread starts, so only sigwait below sees them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  ::signal(SIGPIPE, SIG_IGN);

  Environment env;
  if (auto st = LoadEnvironment(global, &env); !st.ok()) return Fail(st);
  const Config& config = env.config;

  // Stores made before OAuth2 existed get their first token-signing key here.
  if (auto st = auth::EnsureSigningKey(*env.store, *env.master); !st.ok()) return Fail(st);
  SnapshotSource snapshots(*env.store, *env.master);
  if (auto st = snapshots.Start(); !st.ok()) return Fail(st);
  for (const ProviderConfig& p : config.providers) {
    if (snapshots.Current()->secrets.count(p.secret) == 0) {
      spdlog::warn(
          "provider '{}': secret '{}' is not set; its calls will fail until "
          "`bulwark secrets set {}`",
          p.name, p.secret, p.secret);
    }
  }
  auto limiter = NewMemoryRateLimiter();
  Metrics metrics;
  auto access_log = AccessLog::Open(config.access_log);
  if (!access_log.ok()) return Fail(access_log.status());

  char host[256] = "localhost";
  gethostname(host, sizeof(host) - 1);
  // One audit chain per gateway process: host and listen address identify it.
  std::string node = fmt::format("{}_{}", host, config.server.listen);
  for (char& c : node) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-') c = '_';
  }
  node = node.substr(0, 64);
  auto audit_log =
      audit::OpenAuditLog(audit::AuditLogPath(config), env.master->Derive(KeyPurpose::kAudit), node,
                          audit::AuditLogOptions{});
  if (!audit_log.ok()) return Fail(audit_log.status());

  OwnershipIndex ownership(*env.store);
  if (auto st = ownership.Load(); !st.ok()) return Fail(st);
  ownership.Start();

  // Anomaly detection, alerts and automatic responses (issue 7).
  metrics.SetHealthProbe([&snapshots, limiter = limiter.get()] {
    return std::vector<std::pair<std::string, bool>>{{"store", snapshots.Fresh()},
                                                     {"ratelimit", limiter->Ping().ok()}};
  });
  alerts::DispatcherDeps alert_deps;
  alert_deps.config = &config;
  alert_deps.store = env.store.get();
  alert_deps.snapshots = &snapshots;
  alert_deps.audit = audit_log->get();
  alert_deps.metrics = &metrics;
  alert_deps.node = node;
  auto alert_dispatcher = alerts::Dispatcher::Create(std::move(alert_deps));
  if (!alert_dispatcher.ok()) return Fail(alert_dispatcher.status());
  alerts::Dispatcher* dispatcher = alert_dispatcher->get();
  anomaly::Detector detector(config.anomaly,
                             [dispatcher](anomaly::Alert a) { dispatcher->Raise(std::move(a)); });

  GatewayDeps deps;
  deps.anomaly = &detector;
  deps.ownership = &ownership;
  deps.audit = audit_log->get();
  deps.subject_key = env.master->Derive(KeyPurpose::kSubject);
  deps.config = &config;
  deps.snapshots = &snapshots;
  deps.limiter = limiter.get();
  deps.metrics = &metrics;
  deps.access_log = access_log->get();
  deps.key_hash_key = env.master->Derive(KeyPurpose::kKeyHash);
  auto gateway = Gateway::Create(std::move(deps));
  if (!gateway.ok()) return Fail(gateway.status());
  Gateway* g = gateway->get();

  int workers = config.server.workers > 0
                    ? config.server.workers
                    : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  auto data_options = ListenerOptions(config, config.server.listen, workers);
  data_options.tls_cert = config.server.tls_cert.string();
  data_options.tls_key = config.server.tls_key.string();
  auto data = http::Server::Create(
      data_options, [g](http::Request& r) { return g->Handle(r); },
      [g](const http::ParseError& e) { return g->ParseErrorResponse(e); });
  if (!data.ok()) return Fail(data.status());
  audit::AuditLog* audit_sink = audit_log->get();
  AdminApi admin_api(
      config, *env.store, *env.master, snapshots, metrics,
      [audit_sink](const std::string& actor, const std::string& action, const std::string& target) {
        audit::Record record;
        record.kind = "admin";
        record.actor = actor;
        record.action = action;
        record.target = target;
        record.decision = "applied";
        audit_sink->Append(std::move(record), [](absl::Status st) {
          if (!st.ok()) spdlog::error("admin change not audited: {}", st.ToString());
        });
      });
  auto admin = http::Server::Create(
      ListenerOptions(config, config.server.admin_listen, 1),
      [&admin_api](http::Request& r) { return admin_api.Handle(r); },
      [g](const http::ParseError& e) { return g->ParseErrorResponse(e); });
  if (!admin.ok()) return Fail(admin.status());

  (*data)->Start();
  (*admin)->Start();
  std::cerr << fmt::format(
      "bulwark: gateway on {}://{} ({} workers), admin on http://{}\n",
      (*data)->tls() ? "https" : "http",
      fmt::format("{}:{}", config.server.listen.substr(0, config.server.listen.rfind(':')),
                  (*data)->port()),
      workers,
      fmt::format("{}:{}",
                  config.server.admin_listen.substr(0, config.server.admin_listen.rfind(':')),
                  (*admin)->port()));

  for (;;) {
    int sig = 0;
    sigwait(&signals, &sig);
    if (sig == SIGHUP) {
      spdlog::warn("SIGHUP: configuration reload is not supported yet; restart to apply changes");
      continue;
    }
    break;
  }
  std::cerr << "bulwark: stopping; draining in-flight requests\n";
  (*admin)->Stop(std::chrono::milliseconds(0));
  (*data)->Stop(std::chrono::seconds(30));
  (*access_log)->Flush();
  ownership.Stop();
  return kExitOk;
}

}  // namespace

void AddServeCommand(CLI::App& app, GlobalOptions& global, int& exit_code) {
  auto* cmd = app.add_subcommand("serve", "Run the gateway (data plane and admin listener)");
  cmd->fallthrough();
  cmd->callback([&global, &exit_code] { exit_code = RunServe(global); });
}

}  // namespace bulwark::cli
