#include "subjects/processing.h"

#include <algorithm>
#include <map>
#include <tuple>

#include <fmt/format.h>

namespace bulwark::subjects {
namespace {

// The report's column for an action name (audit records spell actions as the policy does).
const char* Column(const std::string& action) {
  if (action == "allow") return "sent";
  if (action == "pseudonymize" || action == "pseudonymise") return "pseudonymised";
  if (action == "block") return "blocked";
  return "redacted";  // redact, mask, and anything unknown: the value did not leave as is
}

// `pii_action` is either the provider-wide mode ("redact") or, when the PII stage
// recorded per-type actions, "EMAIL=redact,PERSON=pseudonymize". The mode maps to "".
std::map<std::string, std::string> ParseActions(const std::string& text) {
  std::map<std::string, std::string> out;
  if (text.find('=') == std::string::npos) {
    if (!text.empty()) out[""] = text;
    return out;
  }
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t end = text.find(',', pos);
    if (end == std::string::npos) end = text.size();
    std::string item = text.substr(pos, end - pos);
    if (size_t eq = item.find('='); eq != std::string::npos) {
      out[item.substr(0, eq)] = item.substr(eq + 1);
    }
    pos = end + 1;
  }
  return out;
}

constexpr const char* kColumns[] = {"sent", "redacted", "pseudonymised", "blocked"};

}  // namespace

nlohmann::json ProcessingReport(const std::vector<audit::Record>& records, int64_t since_ms,
                                int64_t until_ms) {
  struct Group {
    int64_t requests = 0;
    std::map<std::string, std::map<std::string, int64_t>> pii;  // type -> column -> count
  };
  std::map<std::pair<std::string, std::string>, Group> groups;
  int64_t total = 0;
  for (const audit::Record& r : records) {
    if (r.kind != "request") continue;
    bool sent = r.decision == "allowed";
    bool blocked = r.decision == "refused" && r.reason == "pii_blocked";
    if (!sent && !blocked) continue;
    Group& g = groups[{r.provider, r.purpose}];
    ++g.requests;
    ++total;
    std::map<std::string, std::string> actions = ParseActions(r.pii_action);
    for (const auto& [type, count] : r.pii) {
      std::string action;
      if (auto it = actions.find(type); it != actions.end()) {
        action = it->second;
      } else if (auto all = actions.find(""); all != actions.end()) {
        action = all->second;
      } else {
        action = blocked ? "block" : "redact";
      }
      // In a refused request nothing left: types that were not blocked still count as not
      // sent, under the action the policy chose for them.
      if (blocked && action == "allow") continue;
      g.pii[type][Column(action)] += count;
    }
  }
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& [key, g] : groups) {
    nlohmann::json pii = nlohmann::json::object();
    for (const auto& [type, columns] : g.pii) {
      nlohmann::json counts = nlohmann::json::object();
      for (const char* c : kColumns) {
        auto it = columns.find(c);
        counts[c] = it == columns.end() ? 0 : it->second;
      }
      pii[type] = std::move(counts);
    }
    rows.push_back(
        {{"provider", key.first}, {"purpose", key.second}, {"requests", g.requests}, {"pii", pii}});
  }
  return {{"since", audit::FormatTimeMs(since_ms)},
          {"until", audit::FormatTimeMs(until_ms)},
          {"requests", total},
          {"processing", std::move(rows)}};
}

std::string ProcessingTable(const nlohmann::json& report) {
  std::vector<std::vector<std::string>> cells = {{"PROVIDER", "PURPOSE", "REQUESTS", "PII TYPE",
                                                  "SENT", "REDACTED", "PSEUDONYMISED", "BLOCKED"}};
  for (const auto& row : report["processing"]) {
    std::string provider = row["provider"].get<std::string>();
    std::string purpose = row["purpose"].get<std::string>();
    if (purpose.empty()) purpose = "(none)";
    std::string requests = std::to_string(row["requests"].get<int64_t>());
    if (row["pii"].empty()) {
      cells.push_back({provider, purpose, requests, "-", "0", "0", "0", "0"});
      continue;
    }
    bool first = true;
    for (const auto& [type, counts] : row["pii"].items()) {
      std::vector<std::string> line = {first ? provider : "", first ? purpose : "",
                                       first ? requests : "", type};
      for (const char* c : kColumns) line.push_back(std::to_string(counts[c].get<int64_t>()));
      cells.push_back(std::move(line));
      first = false;
    }
  }
  std::vector<size_t> width(cells.front().size(), 0);
  for (const auto& line : cells) {
    for (size_t i = 0; i < line.size(); ++i) width[i] = std::max(width[i], line[i].size());
  }
  std::string out =
      fmt::format("Records of processing {} .. {}\n", report["since"].get<std::string>(),
                  report["until"].get<std::string>());
  for (const auto& line : cells) {
    std::string text;
    for (size_t i = 0; i < line.size(); ++i) {
      text += fmt::format("{:<{}}", line[i], width[i] + (i + 1 < line.size() ? 2 : 0));
    }
    while (!text.empty() && text.back() == ' ') text.pop_back();
    out += text + "\n";
  }
  return out;
}

}  // namespace bulwark::subjects
