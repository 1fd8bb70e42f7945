#include "admin/audit_resource.h"

#include <charconv>

#include <fmt/format.h>

#include "audit/audit.h"
#include "base/status_macros.h"
#include "subjects/keyring.h"

namespace bulwark {
namespace {

constexpr size_t kMaxLimit = 10000;

absl::StatusOr<int64_t> ParseInt(const std::string& text, std::string_view name, int64_t low,
                                 int64_t high) {
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < low || value > high) {
    return absl::InvalidArgumentError(
        fmt::format("{} must be an integer from {} to {}", name, low, high));
  }
  return value;
}

absl::StatusOr<audit::SearchFilter> Filter(const http::QueryParams& query) {
  audit::SearchFilter filter;
  for (const auto& [name, value] : query) {
    if (name == "key") {
      filter.key_id = value;
    } else if (name == "tenant") {
      filter.tenant = value;
    } else if (name == "subject_pseudonym") {
      filter.subject = value;
    } else if (name == "subject") {
      continue;  // resolved by the caller (it needs the store)
    } else if (name == "provider") {
      filter.provider = value;
    } else if (name == "status") {
      ASSIGN_OR_RETURN(int64_t status, ParseInt(value, "status", 100, 599));
      filter.status = static_cast<int>(status);
    } else if (name == "since") {
      ASSIGN_OR_RETURN(filter.since_ms, audit::ParseWhenMs(value, "since"));
    } else if (name == "until") {
      ASSIGN_OR_RETURN(filter.until_ms, audit::ParseWhenMs(value, "until"));
    } else if (name == "limit") {
      ASSIGN_OR_RETURN(int64_t limit, ParseInt(value, "limit", 1, kMaxLimit));
      filter.limit = static_cast<size_t>(limit);
    } else {
      return absl::InvalidArgumentError(fmt::format(
          "unknown filter '{}': use key, tenant, subject, subject_pseudonym, provider, status, "
          "since, until, limit",
          name));
    }
  }
  return filter;
}

}  // namespace

absl::StatusOr<nlohmann::json> AuditResource(const Config& config, const MasterKey& master,
                                             Store& store, std::string_view what,
                                             const http::QueryParams& query) {
  const std::filesystem::path path = audit::AuditLogPath(config);
  if (what == "verify") {
    if (!query.empty()) return absl::InvalidArgumentError("verify takes no parameters");
    auto result = audit::Verify(path, master.Derive(KeyPurpose::kAudit));
    if (result.status().code() == absl::StatusCode::kNotFound) {
      return nlohmann::json{{"ok", true}, {"records", 0}};
    }
    RETURN_IF_ERROR(result.status());
    if (result->ok) return nlohmann::json{{"ok", true}, {"records", result->records}};
    return nlohmann::json{
        {"ok", false}, {"first_bad", result->first_bad}, {"reason", result->reason}};
  }
  if (!what.empty()) return absl::NotFoundError("no such audit resource");
  ASSIGN_OR_RETURN(audit::SearchFilter filter, Filter(query));
  nlohmann::json out = nlohmann::json::array();
  ASSIGN_OR_RETURN(std::optional<std::string> subject, http::UniqueParam(query, "subject"));
  if (subject) {
    if (filter.subject) return absl::InvalidArgumentError("give subject or subject_pseudonym");
    // Records carry the pseudonym derived from the subject's own key: an unknown or erased
    // subject has none to find.
    subjects::Keyring ring(master);
    ASSIGN_OR_RETURN(auto key, ring.Find(store, ring.Lookup(*subject)));
    if (key == nullptr) return out;
    filter.subject = key->pseudonym();
  }
  auto records = audit::Search(path, filter);
  if (records.status().code() == absl::StatusCode::kNotFound) return out;
  RETURN_IF_ERROR(records.status());
  for (const audit::Record& r : *records) out.push_back(r.ToJson());
  return out;
}

}  // namespace bulwark
