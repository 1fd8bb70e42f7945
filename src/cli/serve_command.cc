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
#include "pipeline/capture/capture_writer.h"
#include "pipeline/capture/retention_job.h"
#include "pipeline/gateway.h"
#include "pipeline/ownership/ownership_index.h"
#include "pipeline/runtime/restart_keys.h"
#include "pipeline/snapshot.h"
#include "pipeline/subjects/subject_resolver.h"
#include "ratelimit/limiter.h"
#include "traffic/traffic_control.h"
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

// SIGHUP (issue 4): re-reads the config file and applies it whole without dropping a
// connection or a request. Everything is built and validated off to the side first: the
// routes, upstream endpoints, PII policies and trusted proxies (Gateway::PrepareReload),
// the traffic limits and quotas (TrafficControl::Prepare) and the access log target
// (opened anew, which is also what logrotate needs). A file that does not load, or any
// part that does not validate, changes nothing: the error is logged and printed to stderr
// and the running configuration stays. Then, in one go: traffic limits, the access log,
// the routes (one atomic swap; requests in flight keep the ones they started with) and the
// log level. Keys only read at start-up (pipeline/runtime/restart_keys.h: listeners,
// store, master key, auth, anomaly, alerts ...) are compared with the file the process
// started with; changed ones are named in a warning and keep their old value.
struct Reloadable {
  const Config& started;  // the file as loaded at start-up
  Gateway& gateway;
  traffic::TrafficControl& traffic;
  AccessLog& access_log;
  SnapshotSource& snapshots;
};

void ReloadConfig(Reloadable& r) {
  auto refuse = [](const absl::Status& st) {
    spdlog::error("SIGHUP: config not reloaded, keeping the running one: {}", st.ToString());
    std::cerr << fmt::format(
        "bulwark: SIGHUP: configuration not reloaded, keeping the running one: {}\n",
        std::string(st.message()));
  };
  auto loaded = LoadConfig(r.started.file);
  if (!loaded.ok()) return refuse(loaded.status());
  auto fresh = std::make_shared<const Config>(std::move(*loaded));
  auto runtime = r.gateway.PrepareReload(fresh);
  if (!runtime.ok()) return refuse(runtime.status());
  auto plan = traffic::TrafficControl::Prepare(*fresh);
  if (!plan.ok()) return refuse(plan.status());
  // The last step that can fail; it opens the target anew even when unchanged.
  if (absl::Status st = r.access_log.Reopen(fresh->access_log); !st.ok()) return refuse(st);
  // Nothing below fails: new providers get their traffic state before any route to them.
  r.traffic.Apply(*fresh, std::move(*plan));
  r.gateway.Publish(std::move(*runtime));
  spdlog::set_level(spdlog::level::from_str(fresh->log_level));

  std::shared_ptr<const AccessSnapshot> snapshot = r.snapshots.Current();
  for (const ProviderConfig& p : fresh->providers) {
    if (snapshot->secrets.count(p.secret) == 0) {
      spdlog::warn(
          "provider '{}': secret '{}' is not set; its calls will fail until "
          "`bulwark secrets set {}`",
          p.name, p.secret, p.secret);
    }
  }
  std::vector<std::string> restart = RestartOnlyChanges(r.started, *fresh);
  spdlog::info("SIGHUP: configuration reloaded from {}", r.started.file.string());
  std::cerr << fmt::format("bulwark: configuration reloaded from {}\n", r.started.file.string());
  for (const std::string& key : restart) {
    spdlog::warn("SIGHUP: {} changed but needs a restart to apply; still using the old value", key);
    std::cerr << fmt::format(
        "bulwark: warning: {} changed but needs a restart to apply; still using the old value\n",
        key);
  }
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
  spdlog::set_level(spdlog::level::from_str(config.log_level));  // log.level, SIGHUP too

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

  // Traffic protection (issue 4): provider limits, quotas (usage flushed to the store in
  // the background), breakers, retry budgets and concurrency gates; reloaded on SIGHUP.
  auto traffic = traffic::TrafficControl::Create(config, env.store.get(), &metrics);
  if (!traffic.ok()) return Fail(traffic.status());
  if (auto st = (*traffic)->usage().Start(); !st.ok()) {
    spdlog::warn("usage: could not read the stored totals yet (will retry): {}", st.ToString());
  }

  // Consent and data subjects (issue 6): per-subject keys (created off the event loops),
  // payload capture through a bounded writer thread, and retention on a schedule.
  SubjectResolver subject_resolver(*env.store, *env.master);
  CaptureWriter capture_writer(*env.store, subject_resolver.keyring(), metrics,
                               static_cast<size_t>(config.capture_queue));
  audit::AuditLog* retention_audit = audit_log->get();
  RetentionJob retention_job(*env.store, config, [retention_audit](const nlohmann::json& summary) {
    audit::Record record;
    record.kind = "retention";
    record.actor = "serve";
    record.action = "payloads.purge";
    record.target = fmt::format("deleted:{}", summary["deleted"].get<int64_t>());
    record.decision = "applied";
    retention_audit->Append(std::move(record), [](absl::Status st) {
      if (!st.ok()) spdlog::error("payload retention not audited: {}", st.ToString());
    });
  });

  GatewayDeps deps;
  deps.traffic = traffic->get();
  deps.subjects = &subject_resolver;
  deps.captures = &capture_writer;
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

  Reloadable reloadable{config, *g, **traffic, **access_log, snapshots};
  for (;;) {
    int sig = 0;
    sigwait(&signals, &sig);
    if (sig == SIGHUP) {
      ReloadConfig(reloadable);
      continue;
    }
    break;
  }
  std::cerr << "bulwark: stopping; draining in-flight requests\n";
  (*admin)->Stop(std::chrono::milliseconds(0));
  (*data)->Stop(std::chrono::seconds(30));
  (*access_log)->Flush();
  (*traffic)->usage().Stop();  // the last usage deltas reach the store
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
