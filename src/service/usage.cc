#include "service/usage.h"

#include <map>

#include "base/limit_rules.h"
#include "traffic/usage_ledger.h"

namespace bulwark::service {
namespace {

nlohmann::json Empty(const std::string& period) { return {{"period", period}, {"requests", 0}}; }

}  // namespace

absl::StatusOr<nlohmann::json> UsageReport(Store& store, const std::string& scope,
                                           const std::string& id,
                                           std::chrono::system_clock::time_point now) {
  const std::string day = traffic::DayPeriod(now);
  const std::string month = traffic::MonthPeriod(now);
  auto rows = store.ListUsage({day, month}, scope, id);
  if (!rows.ok()) return rows.status();
  // scope -> id -> {"day": {...}, "month": {...}}
  std::map<std::string, std::map<std::string, nlohmann::json>> by;
  for (const UsageRecord& r : *rows) {
    nlohmann::json& entry = by[r.scope][r.id];
    if (entry.is_null()) entry = {{"day", Empty(day)}, {"month", Empty(month)}};
    nlohmann::json& cell = entry[r.period == day ? "day" : "month"][r.unit];
    // Credits are counted in hundredths; shown exactly, with two decimals ("1.50").
    if (r.unit == "credits") {
      cell = FormatCredits(r.amount);
    } else {
      cell = r.amount;
    }
  }
  nlohmann::json out = {{"day", day},
                        {"month", month},
                        {"keys", nlohmann::json::array()},
                        {"tenants", nlohmann::json::array()}};
  for (const auto& [s, ids] : by) {
    const char* list = s == "tenant" ? "tenants" : "keys";
    for (const auto& [i, entry] : ids) {
      nlohmann::json item = entry;
      item["id"] = i;
      out[list].push_back(std::move(item));
    }
  }
  return out;
}

absl::StatusOr<nlohmann::json> UsageOf(Store& store, const std::string& scope,
                                       const std::string& id,
                                       std::chrono::system_clock::time_point now) {
  auto report = UsageReport(store, scope, id, now);
  if (!report.ok()) return report.status();
  const char* list = scope == "tenant" ? "tenants" : "keys";
  for (const auto& item : (*report)[list]) {
    if (item["id"] == id) return nlohmann::json{{"day", item["day"]}, {"month", item["month"]}};
  }
  return nlohmann::json{{"day", Empty((*report)["day"].get<std::string>())},
                        {"month", Empty((*report)["month"].get<std::string>())}};
}

}  // namespace bulwark::service
