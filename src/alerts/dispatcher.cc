#include "alerts/dispatcher.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fmt/format.h>
#include <sodium.h>
#include <spdlog/spdlog.h>

#include "alerts/signature.h"
#include "audit/audit.h"
#include "base/random.h"

namespace bulwark::alerts {

namespace asio = boost::asio;

namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

constexpr size_t kMaxDedupEntries = 10000;

}  // namespace

Dispatcher::Dispatcher(DispatcherDeps deps)
    : deps_(std::move(deps)), work_(asio::make_work_guard(io_)), client_(io_) {}

absl::StatusOr<std::unique_ptr<Dispatcher>> Dispatcher::Create(DispatcherDeps deps) {
  std::unique_ptr<Dispatcher> d(new Dispatcher(std::move(deps)));
  const AlertsConfig& c = d->deps_.config->alerts;
  for (bool slack : {false, true}) {
    for (const std::string& url : slack ? c.slack_webhooks : c.webhooks) {
      auto endpoint = upstream::ParseBaseUrl(url);
      if (!endpoint.ok()) {
        return absl::InvalidArgumentError(fmt::format("alerts.{}: {}",
                                                      slack ? "slack_webhooks" : "webhooks",
                                                      std::string(endpoint.status().message())));
      }
      d->targets_.push_back({*endpoint, slack});
    }
  }
  d->thread_ = std::thread([raw = d.get()] { raw->io_.run(); });
  return d;
}

Dispatcher::~Dispatcher() {
  work_.reset();
  io_.stop();
  if (thread_.joinable()) thread_.join();
}

void Dispatcher::Raise(anomaly::Alert alert) {
  const AlertsConfig& c = deps_.config->alerts;
  auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard<std::mutex> lock(mu_);
    std::string dedup = fmt::format("{}|{}|{}", alert.rule, alert.subject_kind, alert.subject);
    auto it = last_raised_.find(dedup);
    if (it != last_raised_.end() && now - it->second < c.dedup_window) {
      if (deps_.metrics) deps_.metrics->RecordAlert(alert.rule, "deduplicated");
      return;
    }
    if (last_raised_.size() >= kMaxDedupEntries) {
      std::erase_if(last_raised_, [&](const auto& e) { return now - e.second >= c.dedup_window; });
    }
    if (last_raised_.size() < kMaxDedupEntries) last_raised_[dedup] = now;
  }
  if (pending_.load() >= c.max_queue) {
    // Delivery is overloaded; the alert is still recorded (the audit log has its own bound).
    if (deps_.metrics) deps_.metrics->RecordAlert(alert.rule, "dropped");
    spdlog::error("alert queue full: {} on {} {} not delivered", alert.rule, alert.subject_kind,
                  alert.subject);
    AuditAlert(alert, "dropped");
    return;
  }
  ++pending_;
  asio::post(io_, [this, alert = std::move(alert)]() mutable {
    Handle(std::move(alert));
    --pending_;
  });
}

std::string Dispatcher::Respond(const anomaly::Alert& alert) {
  if ((alert.action != "suspend" && alert.action != "throttle") || alert.key_id.empty()) {
    return "alerted";
  }
  SuspensionRecord row;
  row.scope = "key";
  row.target = alert.key_id;
  row.mode = alert.action;
  if (alert.action == "throttle") row.rate = deps_.config->anomaly.throttle_rate;
  row.reason = fmt::format("anomaly {}: {}", alert.rule, alert.summary).substr(0, 500);
  row.actor = fmt::format("anomaly:{}", alert.rule);
  row.created_at = NowMs() / 1000;
  if (absl::Status st = deps_.store->PutSuspension(row); !st.ok()) {
    spdlog::error("automatic response to {} on key {} failed: {}", alert.rule, alert.key_id,
                  st.ToString());
    return "response_failed";
  }
  // This node applies it at once; the others on their next poll.
  if (absl::Status st = deps_.snapshots->RefreshNow(); !st.ok()) {
    spdlog::warn("snapshot refresh after an automatic response failed: {}", st.ToString());
  }
  return alert.action == "suspend" ? "suspended" : "throttled";
}

void Dispatcher::AuditAlert(const anomaly::Alert& alert, const std::string& response) {
  audit::Record r;
  r.kind = "alert";
  r.actor = "anomaly";
  r.action = fmt::format("alert.{}", alert.rule);
  r.target = fmt::format("{}:{}", alert.subject_kind, alert.subject);
  r.key_id = alert.key_id;
  r.tenant = alert.tenant;
  r.reason = alert.rule;
  r.decision = response;
  deps_.audit->Append(std::move(r), [](absl::Status st) {
    if (!st.ok()) spdlog::error("alert not audited: {}", st.ToString());
  });
}

nlohmann::json Dispatcher::AlertJson(const anomaly::Alert& a, const std::string& id,
                                     const std::string& response, const std::string& node,
                                     int64_t unix_ms) {
  return {{"type", "bulwark.alert"},
          {"id", id},
          {"time", audit::FormatTimeMs(unix_ms)},
          {"rule", a.rule},
          {"severity", a.action == "suspend" ? "critical" : "warning"},
          {"subject", {{"kind", a.subject_kind}, {"id", a.subject}}},
          {"key_id", a.key_id},
          {"tenant", a.tenant},
          {"observed", a.observed},
          {"baseline", a.baseline},
          {"threshold", a.threshold},
          {"response", response},
          {"node", node},
          {"summary", a.summary}};
}

nlohmann::json Dispatcher::SlackJson(const nlohmann::json& alert) {
  return {{"text",
           fmt::format("bulwark alert *{}* ({}) on {} {}: {}. Response: {}. Alert {} at {}.",
                       alert["rule"].get<std::string>(), alert["severity"].get<std::string>(),
                       alert["subject"]["kind"].get<std::string>(),
                       alert["subject"]["id"].get<std::string>(),
                       alert["summary"].get<std::string>(), alert["response"].get<std::string>(),
                       alert["id"].get<std::string>(), alert["time"].get<std::string>())}};
}

void Dispatcher::Handle(anomaly::Alert alert) {
  std::string response = Respond(alert);
  if (deps_.metrics) deps_.metrics->RecordAlert(alert.rule, response);
  AuditAlert(alert, response);
  spdlog::warn("alert {} on {} {}: {} (response: {})", alert.rule, alert.subject_kind,
               alert.subject, alert.summary, response);
  if (targets_.empty()) return;
  std::string id = "alr_" + RandomHex(8);
  nlohmann::json doc = AlertJson(alert, id, response, deps_.node, NowMs());
  std::string generic = doc.dump();
  std::string slack = SlackJson(doc).dump();
  for (const Target& t : targets_) {
    ++pending_;
    asio::co_spawn(io_, Deliver(t, t.slack ? slack : generic, id),
                   [this](std::exception_ptr) { --pending_; });
  }
}

asio::awaitable<void> Dispatcher::Deliver(Target target, std::string body, std::string id) {
  const AlertsConfig& c = deps_.config->alerts;
  upstream::CallOptions options;
  options.connect_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(c.timeout);
  options.response_timeout = options.connect_timeout;
  options.max_response = 64 * 1024;
  std::string where =
      fmt::format("{}://{}:{}{}", target.endpoint.tls ? "https" : "http", target.endpoint.host,
                  target.endpoint.port, target.endpoint.base_path.empty() ? "" : "/...");
  const std::string_view kind = target.slack ? "slack" : "webhook";
  for (uint64_t attempt = 1; attempt <= c.max_attempts; ++attempt) {
    auto snap = deps_.snapshots->Current();
    auto key = snap->secrets.find(c.signing_secret);
    if (key == snap->secrets.end()) {
      spdlog::error(
          "alert {} not sent to {}: the signing secret '{}' is not set (`bulwark secrets "
          "set {}`)",
          id, where, c.signing_secret, c.signing_secret);
      if (deps_.metrics) deps_.metrics->RecordAlertDelivery(kind, "unsigned_skipped");
      co_return;
    }
    int64_t now = NowMs() / 1000;
    upstream::UpstreamRequest req;
    req.method = "POST";
    req.target = target.endpoint.base_path.empty() ? "/" : target.endpoint.base_path;
    req.headers = {{"Content-Type", "application/json"},
                   {"User-Agent", "bulwark-alerts"},
                   {"X-Bulwark-Alert-Id", id},
                   {"X-Bulwark-Delivery-Attempt", std::to_string(attempt)},
                   {std::string(kSignatureHeader), SignatureHeaderValue(key->second, now, body)}};
    req.body = body;
    snap.reset();
    auto result = co_await client_.Send(target.endpoint, req, options);
    if (result.ok() && result->status >= 200 && result->status < 300) {
      if (deps_.metrics) deps_.metrics->RecordAlertDelivery(kind, "delivered");
      co_return;
    }
    if (result.ok() && result->status >= 400 && result->status < 500 && result->status != 408 &&
        result->status != 429) {
      spdlog::error("alert {} refused by {} with {}; not retried", id, where, result->status);
      if (deps_.metrics) deps_.metrics->RecordAlertDelivery(kind, "refused");
      co_return;
    }
    spdlog::warn("alert {} delivery {} to {} failed: {}", id, attempt, where,
                 result.ok() ? fmt::format("status {}", result->status)
                             : std::string(result.status().message()));
    if (deps_.metrics) deps_.metrics->RecordAlertDelivery(kind, "retried");
    if (attempt == c.max_attempts) break;
    // Exponential backoff, 1 s doubling to 60 s, with equal jitter.
    int64_t cap_ms = std::min<int64_t>(60000, 1000LL << std::min<uint64_t>(attempt - 1, 6));
    int64_t jitter = randombytes_uniform(static_cast<uint32_t>(cap_ms / 2 + 1));
    asio::steady_timer timer(io_, std::chrono::milliseconds(cap_ms / 2 + jitter));
    boost::system::error_code ec;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  spdlog::error("alert {} could not be delivered to {} after {} attempts", id, where,
                c.max_attempts);
  if (deps_.metrics) deps_.metrics->RecordAlertDelivery(kind, "failed");
}

}  // namespace bulwark::alerts
