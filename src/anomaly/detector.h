// File: detector.h
// In-process anomaly detection (issue 7): no outside service, cheap on the hot path.
//
//   anomaly::Detector detector(config.anomaly, [&](anomaly::Alert a) { alerts.Raise(a); });
//   detector.Observe(event);   // once per finished request, on the worker's thread
//
// Rules (thresholds in [anomaly], reasoning in docs/config.md):
//   rate_spike          requests of one key in the current interval above factor x the key's
//                       own baseline (an EWMA of its past intervals) and at least `min`
//   auth_failures       authentication failures in one interval from one client address,
//                       or against one key id (a revoked, expired or rotated-out key)
//   new_network         after a key's learning period, a request from a /24 (IPv4) or /48
//                       (IPv6) never seen for that key
//   pii_spike           PII findings of one key per interval above factor x baseline
//   blocked_spike       policy refusals (403/422/429) of one key above factor x baseline
//   spend_acceleration  units spent by one tenant per interval above factor x baseline
//                       (one unit per request until quotas price requests)
//
// A rule fires at most once per subject per interval; the alert dispatcher deduplicates
// further. Baseline rules stay quiet until the subject has `warmup` intervals of history.
//
// Thread-safety: Observe may be called from any thread. State is split into lock stripes by
// subject, each lock held for a few arithmetic operations; the sink is called with no lock
// held, on the observing thread, so it must not block (the dispatcher only enqueues).
// Memory: one entry per key and tenant (bounded by the store), client addresses bounded by
// `max_tracked` (idle ones are swept first), networks per key capped at 1024.
#pragma once

#include <array>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "config/config.h"

namespace bulwark::anomaly {

// What the detector learns from one finished request. No bodies, no subject ids.
struct Event {
  std::string_view key_id;         // "" when not authenticated
  std::string_view tenant;         // "" when not authenticated
  std::string_view client_ip;      // the client address the gateway decided on
  bool auth_failure = false;       // answered 401
  std::string_view failed_key_id;  // the key a refused credential belongs to, if known
  bool blocked = false;            // refused by policy (403/422/429)
  int64_t pii_findings = 0;
  int64_t units = 1;
  std::chrono::steady_clock::time_point now = std::chrono::steady_clock::now();
};

struct Alert {
  std::string rule;          // rate_spike, auth_failures, ...
  std::string subject_kind;  // "key" | "tenant" | "address"
  std::string subject;       // key id, tenant, or client address / network
  std::string key_id;        // the key concerned, "" if none (address alerts)
  std::string tenant;
  double observed = 0;
  double baseline = 0;
  double threshold = 0;
  std::string action;  // the configured response: alert | throttle | suspend
  std::string summary;
};

// The network a client address belongs to for new_network: "a.b.c.0/24" or "x:y:z::/48";
// "" if `ip` is not an address.
std::string NetworkOf(std::string_view ip);

// Counts per interval with an exponentially weighted moving average of past intervals.
class Series {
 public:
  static constexpr double kAlpha = 0.2;  // a baseline of roughly the last ten intervals
  // Moves to interval `index` (closing the ones in between) and adds `n`.
  void Add(int64_t index, int64_t n);
  int64_t count() const { return count_; }
  double baseline() const { return ewma_; }
  int64_t history() const { return history_; }
  bool fired = false;  // in the current interval

 private:
  int64_t index_ = -1;
  int64_t count_ = 0;
  double ewma_ = 0;
  int64_t history_ = 0;  // closed intervals
};

class Detector {
 public:
  using Sink = std::function<void(Alert)>;
  Detector(const AnomalyConfig& config, Sink sink);

  void Observe(const Event& event);

  // Subjects currently tracked (tests and metrics).
  size_t TrackedAddressesForTest() const;

 private:
  struct KeyState {
    Series requests, pii, blocked, auth_failures;
    std::chrono::steady_clock::time_point first_seen;
    std::unordered_set<std::string> networks;
    bool networks_full = false;
  };
  struct TenantState {
    Series units;
  };
  struct AddressState {
    Series auth_failures;
    int64_t last = 0;  // interval of the latest failure
  };
  static constexpr size_t kStripes = 16;
  struct Stripe {
    std::mutex mu;
    std::unordered_map<std::string, KeyState> keys;
    std::unordered_map<std::string, TenantState> tenants;
    std::unordered_map<std::string, AddressState> addresses;
  };

  int64_t Interval(std::chrono::steady_clock::time_point t) const;
  Stripe& StripeFor(std::string_view subject);
  // Baseline rule: true (and marks the series) when it should fire now.
  bool Spiked(Series& s, const AnomalyRuleConfig& rule) const;
  Alert Make(const AnomalyRuleConfig& rule, std::string name, std::string kind, std::string subject,
             const Series* s, double threshold) const;
  void ObserveKey(const Event& e, int64_t index, std::vector<Alert>* out);
  void ObserveTenant(const Event& e, int64_t index, std::vector<Alert>* out);
  void ObserveAddress(const Event& e, int64_t index, std::vector<Alert>* out);

  AnomalyConfig config_;
  Sink sink_;
  std::chrono::steady_clock::time_point epoch_ = std::chrono::steady_clock::now();
  std::array<Stripe, kStripes> stripes_;
};

}  // namespace bulwark::anomaly
