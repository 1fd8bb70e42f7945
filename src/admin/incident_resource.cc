#include "admin/incident_resource.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "admin/replies.h"
#include "base/api_error.h"
#include "service/incident.h"

namespace bulwark {
namespace {

using admin::Error;
using admin::Json;

// Exactly one of "key", "tenant", "all": true; "reason" optional (<= 500 bytes).
bool ParseSelector(const std::string& body, SuspensionRecord* row) {
  auto j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return false;
  int n = 0;
  for (const auto& [name, value] : j.items()) {
    if (name == "key" || name == "tenant") {
      if (!value.is_string() || !service::IsIncidentName(value.get<std::string>())) return false;
      row->scope = name;
      row->target = value.get<std::string>();
      ++n;
    } else if (name == "all") {
      if (!value.is_boolean() || !value.get<bool>()) return false;
      row->scope = "all";
      row->target = "*";
      ++n;
    } else if (name == "reason") {
      if (!value.is_string() || value.get<std::string>().size() > 500) return false;
      row->reason = value.get<std::string>();
    } else {
      return false;
    }
  }
  return n == 1;
}

}  // namespace

http::Response IncidentResource(const http::Request& request,
                                const std::vector<std::string_view>& segments,
                                const std::string& role, const std::string& token_id,
                                const std::string& request_id, Store& store,
                                const AdminChanged& changed) {
  const std::string& method = request.head.method;
  if (segments.size() == 3 && method == "GET") {
    if (role != "admin" && role != "auditor") return Error(ApiError::kForbidden, request_id);
    auto rows = store.ListSuspensions();
    if (!rows.ok()) return Error(ApiError::kInternal, request_id);
    nlohmann::json out = nlohmann::json::array();
    for (const SuspensionRecord& r : *rows) {
      out.push_back({{"scope", r.scope},
                     {"target", r.target},
                     {"mode", r.mode},
                     {"rate", r.rate},
                     {"reason", r.reason},
                     {"actor", r.actor},
                     {"created_at", r.created_at}});
    }
    return Json(200, out, request_id);
  }
  if (segments.size() != 4 || method != "POST" ||
      (segments[3] != "freeze" && segments[3] != "thaw")) {
    return Error(ApiError::kNotFound, request_id);
  }
  if (role != "admin") return Error(ApiError::kForbidden, request_id);
  bool freeze = segments[3] == "freeze";
  SuspensionRecord row;
  if (!ParseSelector(request.body, &row)) return Error(ApiError::kInvalidRequest, request_id);
  row.actor = fmt::format("admin:{}", token_id);
  // NotFound: no such key (freeze) or not frozen (thaw).
  absl::Status st =
      freeze ? service::Freeze(store, row) : service::Thaw(store, row.scope, row.target);
  if (st.code() == absl::StatusCode::kNotFound) return Error(ApiError::kObjectNotFound, request_id);
  if (!st.ok()) return Error(ApiError::kInternal, request_id);
  changed(freeze ? "incident.freeze" : "incident.thaw",
          service::IncidentTarget(row.scope, row.target));
  return Json(
      200, {{"scope", row.scope}, {"target", row.target}, {"status", freeze ? "frozen" : "thawed"}},
      request_id);
}

}  // namespace bulwark
