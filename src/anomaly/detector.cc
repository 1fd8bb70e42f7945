#include "anomaly/detector.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include <arpa/inet.h>

namespace bulwark::anomaly {
namespace {

constexpr size_t kMaxNetworksPerKey = 1024;

}  // namespace

std::string NetworkOf(std::string_view ip) {
  std::string s(ip.substr(0, 64));
  unsigned char buf[16];
  if (inet_pton(AF_INET, s.c_str(), buf) == 1) {
    return fmt::format("{}.{}.{}.0/24", buf[0], buf[1], buf[2]);
  }
  if (inet_pton(AF_INET6, s.c_str(), buf) == 1) {
    // An IPv4-mapped address is an IPv4 client.
    static constexpr unsigned char kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::equal(kMapped, kMapped + 12, buf)) {
      return fmt::format("{}.{}.{}.0/24", buf[12], buf[13], buf[14]);
    }
    return fmt::format("{:x}:{:x}:{:x}::/48", (buf[0] << 8) | buf[1], (buf[2] << 8) | buf[3],
                       (buf[4] << 8) | buf[5]);
  }
  return "";
}

void Series::Add(int64_t index, int64_t n) {
  // An index below the current one (two threads racing across an interval boundary) counts
  // in the current interval.
  if (index > index_) {
    if (index_ >= 0) {
      // Close the current interval, then decay over the empty ones in between.
      ewma_ = history_ == 0 ? static_cast<double>(count_)
                            : kAlpha * static_cast<double>(count_) + (1 - kAlpha) * ewma_;
      int64_t gap = std::min<int64_t>(index - index_ - 1, 1000);
      ewma_ *= std::pow(1 - kAlpha, static_cast<double>(gap));
      history_ += 1 + gap;
    }
    index_ = index;
    count_ = 0;
    fired = false;
  }
  count_ += n;
}

Detector::Detector(const AnomalyConfig& config, Sink sink)
    : config_(config), sink_(std::move(sink)) {}

int64_t Detector::Interval(std::chrono::steady_clock::time_point t) const {
  auto interval = std::max<std::chrono::seconds>(config_.interval, std::chrono::seconds(1));
  return std::chrono::duration_cast<std::chrono::milliseconds>(t - epoch_).count() /
         std::chrono::duration_cast<std::chrono::milliseconds>(interval).count();
}

Detector::Stripe& Detector::StripeFor(std::string_view subject) {
  return stripes_[std::hash<std::string_view>{}(subject) % kStripes];
}

bool Detector::Spiked(Series& s, const AnomalyRuleConfig& rule) const {
  if (rule.action == "off" || s.fired) return false;
  if (s.history() < static_cast<int64_t>(config_.warmup)) return false;
  double threshold = std::max(static_cast<double>(rule.min),
                              static_cast<double>(rule.factor) * std::max(s.baseline(), 1.0));
  if (static_cast<double>(s.count()) <= threshold) return false;
  s.fired = true;
  return true;
}

Alert Detector::Make(const AnomalyRuleConfig& rule, std::string name, std::string kind,
                     std::string subject, const Series* s, double threshold) const {
  Alert a;
  a.rule = std::move(name);
  a.subject_kind = std::move(kind);
  a.subject = std::move(subject);
  a.action = rule.action;
  if (s != nullptr) {
    a.observed = static_cast<double>(s->count());
    a.baseline = s->baseline();
  }
  a.threshold = threshold;
  return a;
}

void Detector::ObserveKey(const Event& e, int64_t index, std::vector<Alert>* out) {
  const AnomalyConfig& c = config_;
  Stripe& stripe = StripeFor(e.key_id);
  std::lock_guard<std::mutex> lock(stripe.mu);
  auto [it, inserted] = stripe.keys.try_emplace(std::string(e.key_id));
  KeyState& k = it->second;
  if (inserted) k.first_seen = e.now;
  auto threshold = [&](const Series& s, const AnomalyRuleConfig& r) {
    return std::max(static_cast<double>(r.min),
                    static_cast<double>(r.factor) * std::max(s.baseline(), 1.0));
  };
  auto fire = [&](const AnomalyRuleConfig& r, const char* name, Series& s, const char* what) {
    Alert a = Make(r, name, "key", std::string(e.key_id), &s, threshold(s, r));
    a.key_id = std::string(e.key_id);
    a.tenant = std::string(e.tenant);
    a.summary = fmt::format("key {} made {} {} in one interval (baseline {:.1f}, threshold {:.0f})",
                            e.key_id, s.count(), what, s.baseline(), threshold(s, r));
    out->push_back(std::move(a));
  };
  k.requests.Add(index, 1);
  if (Spiked(k.requests, c.rate_spike)) fire(c.rate_spike, "rate_spike", k.requests, "requests");
  k.pii.Add(index, e.pii_findings);
  if (e.pii_findings > 0 && Spiked(k.pii, c.pii_spike)) {
    fire(c.pii_spike, "pii_spike", k.pii, "PII findings");
  }
  k.blocked.Add(index, e.blocked ? 1 : 0);
  if (e.blocked && Spiked(k.blocked, c.blocked_spike)) {
    fire(c.blocked_spike, "blocked_spike", k.blocked, "refused requests");
  }
  // new_network: learn during the key's first period of use, then report each new network.
  if (c.new_network.action != "off" && !k.networks_full) {
    std::string net = NetworkOf(e.client_ip);
    if (!net.empty() && k.networks.count(net) == 0) {
      if (k.networks.size() >= kMaxNetworksPerKey) {
        k.networks_full = true;  // a key used from everywhere: this rule says nothing for it
      } else {
        bool learning = e.now - k.first_seen < c.learning_period;
        k.networks.insert(net);
        if (!learning) {
          Alert a = Make(c.new_network, "new_network", "key", std::string(e.key_id), nullptr, 0);
          a.key_id = std::string(e.key_id);
          a.tenant = std::string(e.tenant);
          a.observed = 1;
          a.summary =
              fmt::format("key {} used from network {}, never seen for it before", e.key_id, net);
          a.subject = std::string(e.key_id);
          out->push_back(std::move(a));
        }
      }
    }
  }
}

void Detector::ObserveTenant(const Event& e, int64_t index, std::vector<Alert>* out) {
  const AnomalyRuleConfig& r = config_.spend_acceleration;
  Stripe& stripe = StripeFor(e.tenant);
  std::lock_guard<std::mutex> lock(stripe.mu);
  TenantState& t = stripe.tenants[std::string(e.tenant)];
  t.units.Add(index, e.units);
  if (Spiked(t.units, r)) {
    double threshold = std::max(static_cast<double>(r.min),
                                static_cast<double>(r.factor) * std::max(t.units.baseline(), 1.0));
    Alert a = Make(r, "spend_acceleration", "tenant", std::string(e.tenant), &t.units, threshold);
    a.tenant = std::string(e.tenant);
    a.summary =
        fmt::format("tenant {} spent {} units in one interval (baseline {:.1f}, threshold {:.0f})",
                    e.tenant, t.units.count(), t.units.baseline(), threshold);
    out->push_back(std::move(a));
  }
}

void Detector::ObserveAddress(const Event& e, int64_t index, std::vector<Alert>* out) {
  const AnomalyRuleConfig& r = config_.auth_failures;
  if (r.action == "off") return;
  auto burst = [&](Series& s) {
    if (s.fired || s.count() < static_cast<int64_t>(r.min)) return false;
    s.fired = true;
    return true;
  };
  if (!e.client_ip.empty()) {
    Stripe& stripe = StripeFor(e.client_ip);
    std::lock_guard<std::mutex> lock(stripe.mu);
    auto it = stripe.addresses.find(std::string(e.client_ip));
    if (it == stripe.addresses.end()) {
      size_t cap = std::max<size_t>(1, config_.max_tracked / kStripes);
      if (stripe.addresses.size() >= cap) {
        // Make room: forget addresses with no failure in this or the previous interval.
        std::erase_if(stripe.addresses,
                      [&](const auto& entry) { return entry.second.last < index - 1; });
      }
      if (stripe.addresses.size() < cap) {
        it = stripe.addresses.try_emplace(std::string(e.client_ip)).first;
      }
    }
    if (it != stripe.addresses.end()) {
      it->second.last = index;
      Series& s = it->second.auth_failures;
      s.Add(index, 1);
      if (burst(s)) {
        Alert a = Make(r, "auth_failures", "address", std::string(e.client_ip), &s,
                       static_cast<double>(r.min));
        a.summary = fmt::format("{} authentication failures from {} in one interval", s.count(),
                                e.client_ip);
        out->push_back(std::move(a));
      }
    }
  }
  if (!e.failed_key_id.empty()) {
    Stripe& stripe = StripeFor(e.failed_key_id);
    std::lock_guard<std::mutex> lock(stripe.mu);
    auto [it, inserted] = stripe.keys.try_emplace(std::string(e.failed_key_id));
    if (inserted) it->second.first_seen = e.now;
    Series& s = it->second.auth_failures;
    s.Add(index, 1);
    if (burst(s)) {
      Alert a = Make(r, "auth_failures", "key", std::string(e.failed_key_id), &s,
                     static_cast<double>(r.min));
      a.key_id = std::string(e.failed_key_id);
      a.summary = fmt::format("{} refused authentications against key {} in one interval",
                              s.count(), e.failed_key_id);
      out->push_back(std::move(a));
    }
  }
}

void Detector::Observe(const Event& e) {
  if (!config_.enabled) return;
  int64_t index = Interval(e.now);
  std::vector<Alert> alerts;
  if (e.auth_failure) {
    ObserveAddress(e, index, &alerts);
  } else if (!e.key_id.empty()) {
    ObserveKey(e, index, &alerts);
    if (!e.tenant.empty()) ObserveTenant(e, index, &alerts);
  }
  for (Alert& a : alerts) sink_(std::move(a));
}

size_t Detector::TrackedAddressesForTest() const {
  size_t n = 0;
  for (const Stripe& s : stripes_) n += s.addresses.size();
  return n;
}

}  // namespace bulwark::anomaly
