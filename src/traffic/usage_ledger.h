// File: usage_ledger.h
// UsageLedger: quota accounting per key and per tenant, per UTC day and calendar month,
// in requests and in the vendor's billing units (billing.h).
//
// Reserve, then settle (DESIGN-NOTES "Quotas"): before the vendor call, TryReserve checks
// every quota against `stored total + unflushed local usage + reservations in flight` and
// reserves the estimate; Commit() turns the reservation into usage once the vendor has
// accepted the call; a reservation dropped without Commit (refused later, vendor error)
// releases it. Nothing here touches the store on the request path: a background thread
// writes the committed deltas in one transaction every `flush_interval` (default 500 ms)
// and reads the totals back, which also brings in what other gateway processes sharing
// the store have counted. Several processes therefore agree within about one second
// (eventually consistent: in that window each may admit up to its own in-flight share
// past the quota). Thread-safe: one mutex held for a few map operations per request.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "absl/status/status.h"
#include "base/limit_rules.h"
#include "storage/store.h"
#include "traffic/billing.h"

namespace bulwark::traffic {

// "2026-11-25" and "2026-11" for the UTC day and month of `t`.
std::string DayPeriod(std::chrono::system_clock::time_point t);
std::string MonthPeriod(std::chrono::system_clock::time_point t);

class UsageLedger {
 public:
  using SystemClock = std::chrono::system_clock;

  struct Subject {
    std::string key_id;
    std::string tenant;
    const std::vector<QuotaRule>* key_quotas = nullptr;
    const std::vector<QuotaRule>* tenant_quotas = nullptr;
  };

  struct Refusal {
    std::string scope;  // "key" | "tenant"
    QuotaRule rule;
    int64_t retry_after_seconds = 0;  // until the period ends
  };

  class Reservation {
   public:
    ~Reservation();
    // The vendor accepted the call: the reserved units become usage.
    void Commit();

   private:
    friend class UsageLedger;
    Reservation(UsageLedger* ledger, std::vector<std::pair<std::string, int64_t>> cells)
        : ledger_(ledger), cells_(std::move(cells)) {}
    UsageLedger* ledger_;
    std::vector<std::pair<std::string, int64_t>> cells_;
    bool settled_ = false;
  };

  // `store` may be null (nothing is persisted; tests).
  explicit UsageLedger(Store* store) : store_(store) {}
  ~UsageLedger();

  // Loads the current totals and starts the flush thread.
  absl::Status Start(std::chrono::milliseconds flush_interval = std::chrono::milliseconds(500));
  // Stops the thread and flushes what is left.
  void Stop();
  // Writes committed deltas and refreshes totals from the store now.
  absl::Status FlushNow();

  // nullptr and `*refusal` set when a quota would be exceeded.
  std::unique_ptr<Reservation> TryReserve(const Subject& subject, const UnitAmounts& cost,
                                          SystemClock::time_point now, Refusal* refusal);

  // Current total (stored + unflushed + reserved) of one counter; for tests.
  int64_t UsedForTest(const std::string& scope, const std::string& id, const std::string& unit,
                      const std::string& period);

 private:
  struct Cell {
    int64_t base = 0;      // last total read from the store (includes our flushed usage)
    int64_t pending = 0;   // committed here, not yet written
    int64_t flushing = 0;  // being written now (still counted until `base` includes it)
    int64_t reserved = 0;  // in flight
  };
  static std::string CellKey(std::string_view scope, std::string_view id, std::string_view unit,
                             std::string_view period);
  void Settle(const std::vector<std::pair<std::string, int64_t>>& cells, bool commit);
  void Loop(std::chrono::milliseconds interval);

  Store* store_;
  std::mutex mu_;
  std::unordered_map<std::string, Cell> cells_;
  std::mutex flush_mu_;  // one flush at a time
  std::mutex thread_mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace bulwark::traffic
