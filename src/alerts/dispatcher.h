// File: dispatcher.h
// Alert delivery and automatic response (issue 7).
//
//   auto alerts = alerts::Dispatcher::Create(deps);          // starts its own thread
//   anomaly::Detector detector(config.anomaly, [&](anomaly::Alert a) { (*alerts)->Raise(a); });
//
// Raise() is called on a data-plane worker and never blocks on I/O: it deduplicates (the
// same rule and subject at most once per [alerts] dedup_window), and hands the alert to the
// dispatcher's own io_context thread through a bounded queue ([alerts] max_queue; when full
// the alert is dropped from delivery but still audited). On that thread, per alert:
//   1. the rule's response: `throttle` or `suspend` writes a suspension row for the key
//      through the store's versioned transaction (every node applies it within 1 s; this
//      node at once), lifted with `bulwark incident thaw --key ID`;
//   2. an audit record (kind "alert", action "alert.<rule>", decision = the response);
//   3. a POST to every configured webhook, signed (alerts/signature.h), retried with
//      exponential backoff and jitter (1 s doubling to 60 s, [alerts] max_attempts).
// Alerts carry rule, subject (key id, tenant or client address), counts and the response;
// never a secret, a request body or a data-subject id. Nothing is sent unsigned: without
// the signing secret in the store, deliveries are skipped (and counted).
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>  // std::exchange, used by asio/awaitable.hpp
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <nlohmann/json.hpp>

#include "absl/status/statusor.h"
#include "anomaly/detector.h"
#include "audit/audit.h"
#include "config/config.h"
#include "observability/metrics.h"
#include "pipeline/snapshot.h"
#include "storage/store.h"
#include "upstream/client.h"

namespace bulwark::alerts {

struct DispatcherDeps {
  const Config* config = nullptr;
  Store* store = nullptr;               // automatic responses
  SnapshotSource* snapshots = nullptr;  // the signing key; refreshed after a response
  audit::AuditLog* audit = nullptr;
  Metrics* metrics = nullptr;  // optional
  std::string node;
};

class Dispatcher {
 public:
  // Fails if a webhook URL cannot be parsed.
  static absl::StatusOr<std::unique_ptr<Dispatcher>> Create(DispatcherDeps deps);
  ~Dispatcher();  // stops the thread; deliveries still retrying are abandoned

  void Raise(anomaly::Alert alert);

  // The generic JSON document and the Slack message of an alert.
  static nlohmann::json AlertJson(const anomaly::Alert& alert, const std::string& id,
                                  const std::string& response, const std::string& node,
                                  int64_t unix_ms);
  static nlohmann::json SlackJson(const nlohmann::json& alert);

 private:
  struct Target {
    upstream::Endpoint endpoint;
    bool slack = false;
  };
  explicit Dispatcher(DispatcherDeps deps);
  void Handle(anomaly::Alert alert);
  std::string Respond(const anomaly::Alert& alert);
  void AuditAlert(const anomaly::Alert& alert, const std::string& response);
  boost::asio::awaitable<void> Deliver(Target target, std::string body, std::string id);

  DispatcherDeps deps_;
  std::vector<Target> targets_;
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  upstream::UpstreamClient client_;
  std::mutex mu_;
  std::unordered_map<std::string, std::chrono::steady_clock::time_point> last_raised_;
  std::atomic<uint64_t> pending_{0};  // alerts and deliveries not finished
  std::thread thread_;
};

}  // namespace bulwark::alerts
