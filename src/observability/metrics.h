// File: metrics.h
// Prometheus metrics for the gateway, served on the admin listener's /metrics.
//
// Label values are bounded by construction: providers come from the config, operations
// from the profiles (or "unmatched"/"passthrough"), statuses are integers and reason codes
// are the contract's. No key, subject or raw path ever becomes a label.
// Thread-safe; the lock is held for a map lookup and an add.
#pragma once

#include <array>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

namespace bulwark {

class Metrics {
 public:
  static constexpr std::array<double, 14> kBuckets = {0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                      0.5,   1,     2.5,  5,     10,   30,  60};

  void RecordRequest(std::string_view provider, std::string_view operation, int status,
                     double seconds);
  void RecordRefusal(std::string_view code);
  void RecordUpstream(std::string_view provider, double seconds);
  void RecordUpstreamError(std::string_view provider, std::string_view kind);
  void RecordParseError(std::string_view reason);
  // Traffic protection (issue 4). `result`: "retried" | "budget_exhausted"; breaker state
  // 0 closed, 1 open, 2 half open; `outcome` of a concurrency-queue wait: "queued",
  // "queue_full", "timed_out"; `level` of a refusal: "key", "operation", "provider", "quota".
  void RecordRetry(std::string_view provider, std::string_view result);
  void SetBreakerState(std::string_view provider, int state);
  void RecordQueue(std::string_view provider, std::string_view outcome);
  void RecordLimitRefusal(std::string_view level);

  // --- Issue 7: decisions, PII, audit, alerts, backend health. ---
  // decision: "allowed" | "refused"; PII types and actions come from the fixed sets;
  // alert rules from the detector's fixed list.
  void RecordDecision(std::string_view provider, std::string_view operation,
                      std::string_view decision);
  void RecordPiiFindings(std::string_view type, std::string_view action, int count);
  void RecordAuditWrite(double seconds, bool ok);
  void RecordAlert(std::string_view rule, std::string_view outcome);
  void RecordAlertDelivery(std::string_view kind, std::string_view outcome);
  // Called on every Render for gauges such as {"store", true}, {"ratelimit", true}.
  void SetHealthProbe(std::function<std::vector<std::pair<std::string, bool>>()> probe);
  // Issue 6: payload captures by outcome ("stored" | "dropped" | "failed").
  void RecordCapture(std::string_view outcome, uint64_t n = 1);

  // Prometheus text exposition format 0.0.4.
  std::string Render() const;

 private:
  void RenderIncidentMetrics(std::string& out) const;  // under mu_
  struct Histogram {
    std::array<uint64_t, kBuckets.size()> counts{};
    uint64_t total = 0;
    double sum = 0;
    void Observe(double v);
  };
  mutable std::mutex mu_;
  std::map<std::tuple<std::string, std::string, int>, uint64_t> requests_;
  std::map<std::string, Histogram> request_seconds_;
  std::map<std::string, Histogram> upstream_seconds_;
  std::map<std::string, uint64_t> refusals_;
  std::map<std::pair<std::string, std::string>, uint64_t> upstream_errors_;
  std::map<std::string, uint64_t> parse_errors_;
  std::map<std::pair<std::string, std::string>, uint64_t> retries_;  // issue 4
  std::map<std::string, int> breaker_state_;                         // issue 4
  std::map<std::pair<std::string, std::string>, uint64_t> breaker_transitions_;
  std::map<std::pair<std::string, std::string>, uint64_t> queue_outcomes_;
  std::map<std::string, uint64_t> limit_refusals_;
  void RenderTrafficMetrics(std::string& out) const;
  // Issue 7.
  std::map<std::tuple<std::string, std::string, std::string>, uint64_t> decisions_;
  std::map<std::pair<std::string, std::string>, uint64_t> pii_findings_;
  std::map<std::string, Histogram> audit_write_seconds_;  // one series, label "log"
  uint64_t audit_write_failures_ = 0;
  std::map<std::pair<std::string, std::string>, uint64_t> alerts_;
  std::map<std::pair<std::string, std::string>, uint64_t> alert_deliveries_;
  std::function<std::vector<std::pair<std::string, bool>>()> health_probe_;
  std::map<std::string, uint64_t> captures_;  // issue 6
};

}  // namespace bulwark
