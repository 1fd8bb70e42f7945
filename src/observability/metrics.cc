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
  return out;
}

}  // namespace bulwark
