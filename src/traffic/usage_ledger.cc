#include "traffic/usage_ledger.h"

#include <ctime>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace bulwark::traffic {
namespace {

std::tm Utc(std::chrono::system_clock::time_point t) {
  std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  return tm;
}

// Seconds until the UTC day (or month) containing `t` ends.
int64_t SecondsUntilEnd(std::chrono::system_clock::time_point t, QuotaPeriod period) {
  std::tm tm = Utc(t);
  tm.tm_hour = 0;
  tm.tm_min = 0;
  tm.tm_sec = 0;
  if (period == QuotaPeriod::kDay) {
    tm.tm_mday += 1;
  } else {
    tm.tm_mday = 1;
    tm.tm_mon += 1;
  }
  std::time_t end = timegm(&tm);
  int64_t left = static_cast<int64_t>(end) - std::chrono::system_clock::to_time_t(t);
  return left < 1 ? 1 : left;
}

constexpr char kSep = '\x1f';

}  // namespace

std::string DayPeriod(std::chrono::system_clock::time_point t) {
  std::tm tm = Utc(t);
  return fmt::format("{:04}-{:02}-{:02}", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

std::string MonthPeriod(std::chrono::system_clock::time_point t) {
  std::tm tm = Utc(t);
  return fmt::format("{:04}-{:02}", tm.tm_year + 1900, tm.tm_mon + 1);
}

std::string UsageLedger::CellKey(std::string_view scope, std::string_view id, std::string_view unit,
                                 std::string_view period) {
  std::string k;
  k.reserve(scope.size() + id.size() + unit.size() + period.size() + 3);
  k.append(scope).push_back(kSep);
  k.append(id).push_back(kSep);
  k.append(unit).push_back(kSep);
  k.append(period);
  return k;
}

UsageLedger::Reservation::~Reservation() {
  if (!settled_ && ledger_ != nullptr) ledger_->Settle(cells_, /*commit=*/false);
}

void UsageLedger::Reservation::Commit() {
  if (settled_ || ledger_ == nullptr) return;
  settled_ = true;
  ledger_->Settle(cells_, /*commit=*/true);
}

UsageLedger::~UsageLedger() { Stop(); }

absl::Status UsageLedger::Start(std::chrono::milliseconds flush_interval) {
  absl::Status st = FlushNow();
  thread_ = std::thread([this, flush_interval] { Loop(flush_interval); });
  return st;
}

void UsageLedger::Stop() {
  {
    std::lock_guard<std::mutex> lock(thread_mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
    absl::Status st = FlushNow();
    if (!st.ok()) spdlog::error("usage: final flush failed: {}", st.ToString());
  }
}

void UsageLedger::Loop(std::chrono::milliseconds interval) {
  std::unique_lock<std::mutex> lock(thread_mu_);
  while (!stop_) {
    cv_.wait_for(lock, interval, [this] { return stop_; });
    if (stop_) break;
    lock.unlock();
    absl::Status st = FlushNow();
    if (!st.ok()) spdlog::warn("usage: flush failed (will retry): {}", st.ToString());
    lock.lock();
  }
}

absl::Status UsageLedger::FlushNow() {
  if (store_ == nullptr) return absl::OkStatus();
  std::lock_guard<std::mutex> flush_lock(flush_mu_);
  std::vector<UsageRecord> deltas;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& [key, cell] : cells_) {
      if (cell.pending == 0) continue;
      UsageRecord r;
      size_t a = key.find(kSep), b = key.find(kSep, a + 1), c = key.find(kSep, b + 1);
      r.scope = key.substr(0, a);
      r.id = key.substr(a + 1, b - a - 1);
      r.unit = key.substr(b + 1, c - b - 1);
      r.period = key.substr(c + 1);
      r.amount = cell.pending;
      cell.flushing += cell.pending;
      cell.pending = 0;
      deltas.push_back(std::move(r));
    }
  }
  if (!deltas.empty()) {
    absl::Status st = store_->AddUsage(deltas);
    std::lock_guard<std::mutex> lock(mu_);
    for (const UsageRecord& d : deltas) {
      Cell& cell = cells_[CellKey(d.scope, d.id, d.unit, d.period)];
      cell.flushing -= d.amount;
      if (st.ok()) {
        cell.base += d.amount;
      } else {
        cell.pending += d.amount;  // kept for the next flush
      }
    }
    if (!st.ok()) return st;
  }
  auto now = SystemClock::now();
  std::vector<std::string> periods = {DayPeriod(now), MonthPeriod(now)};
  auto rows = store_->ListUsage(periods);
  if (!rows.ok()) return rows.status();
  std::lock_guard<std::mutex> lock(mu_);
  for (const UsageRecord& r : *rows) {
    cells_[CellKey(r.scope, r.id, r.unit, r.period)].base = r.amount;
  }
  // Forget finished periods that nothing refers to any more.
  for (auto it = cells_.begin(); it != cells_.end();) {
    std::string_view period = std::string_view(it->first).substr(it->first.rfind(kSep) + 1);
    bool current = period == periods[0] || period == periods[1];
    if (!current && it->second.pending == 0 && it->second.flushing == 0 &&
        it->second.reserved == 0) {
      it = cells_.erase(it);
    } else {
      ++it;
    }
  }
  return absl::OkStatus();
}

std::unique_ptr<UsageLedger::Reservation> UsageLedger::TryReserve(const Subject& subject,
                                                                  const UnitAmounts& cost,
                                                                  SystemClock::time_point now,
                                                                  Refusal* refusal) {
  const std::string day = DayPeriod(now);
  const std::string month = MonthPeriod(now);
  auto amount_of = [&](const std::string& unit) -> int64_t {
    for (const auto& [u, a] : cost) {
      if (u == unit) return a;
    }
    return 0;
  };
  std::vector<std::pair<std::string, int64_t>> charge;
  for (const auto& [unit, amount] : cost) {
    if (amount <= 0) continue;
    for (const std::string* period : {&day, &month}) {
      charge.emplace_back(CellKey("key", subject.key_id, unit, *period), amount);
      charge.emplace_back(CellKey("tenant", subject.tenant, unit, *period), amount);
    }
  }
  std::lock_guard<std::mutex> lock(mu_);
  struct Check {
    const char* scope;
    const std::string* id;
    const std::vector<QuotaRule>* rules;
  };
  for (const Check& check : {Check{"key", &subject.key_id, subject.key_quotas},
                             Check{"tenant", &subject.tenant, subject.tenant_quotas}}) {
    if (check.rules == nullptr) continue;
    for (const QuotaRule& rule : *check.rules) {
      int64_t amount = amount_of(rule.unit);
      if (amount <= 0) continue;
      const std::string& period = rule.period == QuotaPeriod::kDay ? day : month;
      auto it = cells_.find(CellKey(check.scope, *check.id, rule.unit, period));
      int64_t used = it == cells_.end() ? 0
                                        : it->second.base + it->second.pending +
                                              it->second.flushing + it->second.reserved;
      if (used + amount > static_cast<int64_t>(rule.amount)) {
        if (refusal != nullptr) {
          refusal->scope = check.scope;
          refusal->rule = rule;
          refusal->retry_after_seconds = SecondsUntilEnd(now, rule.period);
        }
        return nullptr;
      }
    }
  }
  for (const auto& [key, amount] : charge) cells_[key].reserved += amount;
  return std::unique_ptr<Reservation>(new Reservation(this, std::move(charge)));
}

void UsageLedger::Settle(const std::vector<std::pair<std::string, int64_t>>& cells, bool commit) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [key, amount] : cells) {
    Cell& cell = cells_[key];
    cell.reserved -= amount;
    if (commit) cell.pending += amount;
  }
}

int64_t UsageLedger::UsedForTest(const std::string& scope, const std::string& id,
                                 const std::string& unit, const std::string& period) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = cells_.find(CellKey(scope, id, unit, period));
  return it == cells_.end()
             ? 0
             : it->second.base + it->second.pending + it->second.flushing + it->second.reserved;
}

}  // namespace bulwark::traffic
