#include "service/incident.h"

#include <cctype>
#include <utility>

#include <fmt/format.h>

#include "service/keys.h"

namespace bulwark::service {

bool IsIncidentName(const std::string& name) {
  if (name.empty() || name.size() > 128) return false;
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') {
      return false;
    }
  }
  return true;
}

std::string IncidentTarget(const std::string& scope, const std::string& target) {
  return scope == "all" ? "all" : fmt::format("{}:{}", scope, target);
}

absl::Status Freeze(Store& store, SuspensionRecord row) {
  if (row.scope == "key") {
    auto key = store.GetKey(row.target);
    if (!key.ok()) return key.status();
    if (!key->has_value()) return absl::NotFoundError(fmt::format("no key '{}'", row.target));
  }
  row.created_at = Now();
  return store.PutSuspension(row);
}

absl::Status Thaw(Store& store, const std::string& scope, const std::string& target) {
  absl::Status st = store.DeleteSuspension(scope, target);
  if (st.code() == absl::StatusCode::kNotFound) {
    return absl::NotFoundError(fmt::format("{} is not frozen", IncidentTarget(scope, target)));
  }
  return st;
}

}  // namespace bulwark::service
