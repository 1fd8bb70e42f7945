#include "observability/metrics.h"

#include <fmt/format.h>

namespace bulwark {
namespace {

void RenderHistogram(std::string& out, std::string_view name, std::string_view label,
                     const std::string& value, const auto& h, const auto& buckets) {
  uint64_t cumulative = 0;
  for (size_t i = 0; i < buckets.size(); ++i) {
    cumulative += h.counts[i];
    out += fmt::format("{}_bucket{{{}=\"{}\",le=\"{}\"}} {}\n", name, label, value, buckets[i],
                       cumulative);
  }
  out += fmt::format("{}_bucket{{{}=\"{}\",le=\"+Inf\"}} {}\n", name, label, value, h.total);
  out += fmt::format("{}_sum{{{}=\"{}\"}} {}\n", name, label, value, h.sum);
  out += fmt::format("{}_count{{{}=\"{}\"}} {}\n", name, label, value, h.total);
}

}  // namespace

void Metrics::Histogram::Observe(double v) {
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    if (v <= kBuckets[i]) {
      ++counts[i];
      break;
    }
  }
  ++total;
  sum += v;
}

void Metrics::RecordRequest(std::string_view provider, std::string_view operation, int status,
                            double seconds) {
  std::lock_guard<std::mutex> lock(mu_);
  ++requests_[{std::string(provider), std::string(operation), status}];
  request_seconds_[std::string(provider)].Observe(seconds);
}

void Metrics::RecordRefusal(std::string_view code) {
  std::lock_guard<std::mutex> lock(mu_);
  ++refusals_[std::string(code)];
}

void Metrics::RecordUpstream(std::string_view provider, double seconds) {
  std::lock_guard<std::mutex> lock(mu_);
  upstream_seconds_[std::string(provider)].Observe(seconds);
}

void Metrics::RecordUpstreamError(std::string_view provider, std::string_view kind) {
  std::lock_guard<std::mutex> lock(mu_);
  ++upstream_errors_[{std::string(provider), std::string(kind)}];
}

void Metrics::RecordParseError(std::string_view reason) {
  std::lock_guard<std::mutex> lock(mu_);
  ++parse_errors_[std::string(reason)];
}

std::string Metrics::Render() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::string out;
  out += "# HELP bulwark_requests_total Requests answered, by provider, operation and status.\n";
  out += "# TYPE bulwark_requests_total counter\n";
  for (const auto& [labels, n] : requests_) {
    const auto& [provider, operation, status] = labels;
    out +=
        fmt::format("bulwark_requests_total{{provider=\"{}\",operation=\"{}\",status=\"{}\"}} {}\n",
                    provider, operation, status, n);
  }
  out += "# HELP bulwark_request_duration_seconds Whole-request latency.\n";
  out += "# TYPE bulwark_request_duration_seconds histogram\n";
  for (const auto& [provider, h] : request_seconds_) {
    RenderHistogram(out, "bulwark_request_duration_seconds", "provider", provider, h, kBuckets);
  }
  out += "# HELP bulwark_upstream_duration_seconds Vendor round-trip latency.\n";
  out += "# TYPE bulwark_upstream_duration_seconds histogram\n";
  for (const auto& [provider, h] : upstream_seconds_) {
    RenderHistogram(out, "bulwark_upstream_duration_seconds", "provider", provider, h, kBuckets);
  }
  out += "# HELP bulwark_refusals_total Requests refused by bulwark, by reason code.\n";
  out += "# TYPE bulwark_refusals_total counter\n";
  for (const auto& [code, n] : refusals_) {
    out += fmt::format("bulwark_refusals_total{{code=\"{}\"}} {}\n", code, n);
  }
  out += "# HELP bulwark_upstream_errors_total Failed vendor calls, by kind.\n";
  out += "# TYPE bulwark_upstream_errors_total counter\n";
  for (const auto& [labels, n] : upstream_errors_) {
    out += fmt::format("bulwark_upstream_errors_total{{provider=\"{}\",kind=\"{}\"}} {}\n",
                       labels.first, labels.second, n);
  }
  out += "# HELP bulwark_http_parse_errors_total Requests refused while parsing.\n";
  out += "# TYPE bulwark_http_parse_errors_total counter\n";
  for (const auto& [reason, n] : parse_errors_) {
    out += fmt::format("bulwark_http_parse_errors_total{{reason=\"{}\"}} {}\n", reason, n);
  }
  if (!captures_.empty()) {
    out += "# HELP bulwark_payload_captures_total Captured bodies by outcome (issue 6).\n";
    out += "# TYPE bulwark_payload_captures_total counter\n";
    for (const auto& [outcome, n] : captures_) {
      out += fmt::format("bulwark_payload_captures_total{{outcome=\"{}\"}} {}\n", outcome, n);
    }
  }
  RenderIncidentMetrics(out);
  RenderTrafficMetrics(out);
  return out;
}

void Metrics::RecordCapture(std::string_view outcome, uint64_t n) {
  std::lock_guard<std::mutex> lock(mu_);
  captures_[std::string(outcome)] += n;
}

// --- Issue 7 ---

void Metrics::RecordDecision(std::string_view provider, std::string_view operation,
                             std::string_view decision) {
  std::lock_guard<std::mutex> lock(mu_);
  ++decisions_[{std::string(provider), std::string(operation), std::string(decision)}];
}

void Metrics::RecordPiiFindings(std::string_view type, std::string_view action, int count) {
  if (count <= 0) return;
  std::lock_guard<std::mutex> lock(mu_);
  pii_findings_[{std::string(type), std::string(action)}] += static_cast<uint64_t>(count);
}

void Metrics::RecordAuditWrite(double seconds, bool ok) {
  std::lock_guard<std::mutex> lock(mu_);
  audit_write_seconds_["decision"].Observe(seconds);
  if (!ok) ++audit_write_failures_;
}

void Metrics::RecordAlert(std::string_view rule, std::string_view outcome) {
  std::lock_guard<std::mutex> lock(mu_);
  ++alerts_[{std::string(rule), std::string(outcome)}];
}

void Metrics::RecordAlertDelivery(std::string_view kind, std::string_view outcome) {
  std::lock_guard<std::mutex> lock(mu_);
  ++alert_deliveries_[{std::string(kind), std::string(outcome)}];
}

void Metrics::SetHealthProbe(std::function<std::vector<std::pair<std::string, bool>>()> probe) {
  std::lock_guard<std::mutex> lock(mu_);
  health_probe_ = std::move(probe);
}

void Metrics::RenderIncidentMetrics(std::string& out) const {
  out += "# HELP bulwark_decisions_total Requests by provider, operation and decision.\n";
  out += "# TYPE bulwark_decisions_total counter\n";
  for (const auto& [labels, n] : decisions_) {
    const auto& [provider, operation, decision] = labels;
    out += fmt::format(
        "bulwark_decisions_total{{provider=\"{}\",operation=\"{}\",decision=\"{}\"}} {}\n",
        provider, operation, decision, n);
  }
  out += "# HELP bulwark_pii_findings_total PII found in requests, by type and action taken.\n";
  out += "# TYPE bulwark_pii_findings_total counter\n";
  for (const auto& [labels, n] : pii_findings_) {
    out += fmt::format("bulwark_pii_findings_total{{type=\"{}\",action=\"{}\"}} {}\n", labels.first,
                       labels.second, n);
  }
  out += "# HELP bulwark_audit_write_duration_seconds Time to make a decision record durable.\n";
  out += "# TYPE bulwark_audit_write_duration_seconds histogram\n";
  for (const auto& [log, h] : audit_write_seconds_) {
    RenderHistogram(out, "bulwark_audit_write_duration_seconds", "record", log, h, kBuckets);
  }
  out += "# HELP bulwark_audit_write_failures_total Decision records that could not be written.\n";
  out += "# TYPE bulwark_audit_write_failures_total counter\n";
  out += fmt::format("bulwark_audit_write_failures_total {}\n", audit_write_failures_);
  out +=
      "# HELP bulwark_alerts_total Anomaly alerts, by rule and outcome (response taken, "
      "deduplicated or dropped).\n";
  out += "# TYPE bulwark_alerts_total counter\n";
  for (const auto& [labels, n] : alerts_) {
    out += fmt::format("bulwark_alerts_total{{rule=\"{}\",outcome=\"{}\"}} {}\n", labels.first,
                       labels.second, n);
  }
  out += "# HELP bulwark_alert_deliveries_total Webhook delivery attempts, by kind and outcome.\n";
  out += "# TYPE bulwark_alert_deliveries_total counter\n";
  for (const auto& [labels, n] : alert_deliveries_) {
    out += fmt::format("bulwark_alert_deliveries_total{{kind=\"{}\",outcome=\"{}\"}} {}\n",
                       labels.first, labels.second, n);
  }
  if (health_probe_) {
    out += "# HELP bulwark_backend_up 1 when the backend answers (store: snapshot fresh).\n";
    out += "# TYPE bulwark_backend_up gauge\n";
    for (const auto& [component, up] : health_probe_()) {
      out += fmt::format("bulwark_backend_up{{backend=\"{}\"}} {}\n", component, up ? 1 : 0);
    }
  }
}

// --- Issue 4: traffic protection ---

void Metrics::RecordRetry(std::string_view provider, std::string_view result) {
  std::lock_guard<std::mutex> lock(mu_);
  ++retries_[{std::string(provider), std::string(result)}];
}

void Metrics::SetBreakerState(std::string_view provider, int state) {
  static constexpr std::string_view kNames[] = {"closed", "open", "half_open"};
  std::lock_guard<std::mutex> lock(mu_);
  // The first value is the initial state, not a transition.
  bool known = breaker_state_.count(std::string(provider)) > 0;
  breaker_state_[std::string(provider)] = state;
  if (known && state >= 0 && state <= 2) {
    ++breaker_transitions_[{std::string(provider), std::string(kNames[state])}];
  }
}

void Metrics::RecordQueue(std::string_view provider, std::string_view outcome) {
  std::lock_guard<std::mutex> lock(mu_);
  ++queue_outcomes_[{std::string(provider), std::string(outcome)}];
}

void Metrics::RecordLimitRefusal(std::string_view level) {
  std::lock_guard<std::mutex> lock(mu_);
  ++limit_refusals_[std::string(level)];
}

void Metrics::RenderTrafficMetrics(std::string& out) const {
  out += "# HELP bulwark_upstream_retries_total Vendor retries, by provider and result.\n";
  out += "# TYPE bulwark_upstream_retries_total counter\n";
  for (const auto& [labels, n] : retries_) {
    out += fmt::format("bulwark_upstream_retries_total{{provider=\"{}\",result=\"{}\"}} {}\n",
                       labels.first, labels.second, n);
  }
  out +=
      "# HELP bulwark_circuit_breaker_state Circuit breaker per provider: 0 closed, 1 open, "
      "2 half open.\n";
  out += "# TYPE bulwark_circuit_breaker_state gauge\n";
  for (const auto& [provider, state] : breaker_state_) {
    out += fmt::format("bulwark_circuit_breaker_state{{provider=\"{}\"}} {}\n", provider, state);
  }
  out += "# HELP bulwark_circuit_breaker_transitions_total Breaker state changes, by new state.\n";
  out += "# TYPE bulwark_circuit_breaker_transitions_total counter\n";
  for (const auto& [labels, n] : breaker_transitions_) {
    out += fmt::format(
        "bulwark_circuit_breaker_transitions_total{{provider=\"{}\",state=\"{}\"}} {}\n",
        labels.first, labels.second, n);
  }
  out += "# HELP bulwark_concurrency_queue_total Waits for a vendor slot, by outcome.\n";
  out += "# TYPE bulwark_concurrency_queue_total counter\n";
  for (const auto& [labels, n] : queue_outcomes_) {
    out += fmt::format("bulwark_concurrency_queue_total{{provider=\"{}\",outcome=\"{}\"}} {}\n",
                       labels.first, labels.second, n);
  }
  out += "# HELP bulwark_limit_refusals_total Rate-limit and quota refusals, by level.\n";
  out += "# TYPE bulwark_limit_refusals_total counter\n";
  for (const auto& [level, n] : limit_refusals_) {
    out += fmt::format("bulwark_limit_refusals_total{{level=\"{}\"}} {}\n", level, n);
  }
}

}  // namespace bulwark
