// File: metrics.h
// Prometheus metrics for the gateway, served on the admin listener's /metrics.
//
// Label values are bounded by construction: providers come from the config, operations
// from the profiles (or "unmatched"/"passthrough"), statuses are integers and reason codes
// are the contract's. No key, subject or raw path ever becomes a label.
// Thread-safe; the lock is held for a map lookup and an add.
#pragma once

#include <array>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>

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

  // Prometheus text exposition format 0.0.4.
  std::string Render() const;

 private:
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
};

}  // namespace bulwark
