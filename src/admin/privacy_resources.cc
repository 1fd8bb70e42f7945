#include "admin/privacy_resources.h"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "admin/replies.h"
#include "audit/audit.h"
#include "base/api_error.h"
#include "http/query.h"
#include "service/keys.h"
#include "subjects/service.h"

namespace bulwark {
namespace {

using admin::Error;
using admin::Json;

// Maps a service failure: bad input names the problem, NotFound is 404, the rest 500.
http::Response Failed(const absl::Status& status, const std::string& request_id) {
  switch (status.code()) {
    case absl::StatusCode::kNotFound:
      return Error(ApiError::kObjectNotFound, request_id);
    case absl::StatusCode::kInvalidArgument:
      return admin::InvalidInput(std::string(status.message()), request_id);
    default:
      spdlog::error("admin privacy resource: {}", status.ToString());
      return Error(ApiError::kInternal, request_id);
  }
}

absl::Status ReadConsentBody(const std::string& text, subjects::ConsentRequest* out,
                             bool with_evidence) {
  auto body = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  auto field = [&](const char* name, std::string* value, bool required) {
    if (!body.contains(name) || body[name].is_null()) return !required;
    if (!body[name].is_string()) return false;
    *value = body[name].get<std::string>();
    return true;
  };
  bool ok = !body.is_discarded() && body.is_object() && field("subject", &out->subject, true) &&
            field("purpose", &out->purpose, true) && field("provider", &out->provider, false) &&
            (!with_evidence || field("evidence", &out->evidence, false));
  if (ok) return absl::OkStatus();
  return absl::InvalidArgumentError(
      with_evidence ? "body: {\"subject\", \"purpose\", \"provider\"?, \"evidence\"?} (strings)"
                    : "body: {\"subject\", \"purpose\", \"provider\"?} (strings)");
}

absl::StatusOr<subjects::ConsentRequest> ReadConsentQuery(const http::Request& request) {
  subjects::ConsentRequest out;
  http::QueryParams none;
  auto query = request.head.has_query ? http::ParseQuery(request.head.query)
                                      : absl::StatusOr<http::QueryParams>(none);
  if (!query.ok()) return query.status();
  for (auto [name, field] : {std::pair<const char*, std::string*>{"subject", &out.subject},
                             {"purpose", &out.purpose},
                             {"provider", &out.provider}}) {
    auto value = http::UniqueParam(*query, name);
    if (!value.ok()) return value.status();
    if (value->has_value()) *field = **value;
  }
  if (out.subject.empty()) return absl::InvalidArgumentError("the subject parameter is required");
  return out;
}

}  // namespace

http::Response PrivacyResource(const http::Request& request,
                               const std::vector<std::string_view>& seg, const std::string& role,
                               const std::string& id, Store& store, const MasterKey& master,
                               const Config& config, const AdminChanged& changed) {
  const std::string& method = request.head.method;
  const bool privileged = role == "admin" || role == "privacy";
  std::string_view resource = seg.size() > 2 ? seg[2] : "";
  subjects::Keyring ring(master);

  if (resource == "consents") {
    bool read = method == "GET";
    if (!(privileged || (read && role == "auditor"))) return Error(ApiError::kForbidden, id);
    if (seg.size() == 3 && method == "GET") {
      auto query = ReadConsentQuery(request);
      if (!query.ok()) return Failed(query.status(), id);
      auto list = subjects::ListConsents(store, ring, query->subject);
      if (!list.ok()) return Failed(list.status(), id);
      return Json(200, *list, id);
    }
    if (seg.size() == 3 && method == "POST") {
      subjects::ConsentRequest grant;
      if (auto st = ReadConsentBody(request.body, &grant, true); !st.ok()) return Failed(st, id);
      auto change = subjects::GrantConsent(store, ring, config, grant, service::Now());
      if (!change.ok()) return Failed(change.status(), id);
      changed("consent.grant", change->target);
      return Json(201, change->result, id);
    }
    bool post_revoke = seg.size() == 4 && seg[3] == "revoke" && method == "POST";
    if (post_revoke || (seg.size() == 3 && method == "DELETE")) {
      subjects::ConsentRequest revoke;
      if (post_revoke) {
        if (auto st = ReadConsentBody(request.body, &revoke, false); !st.ok()) {
          return Failed(st, id);
        }
      } else {
        auto query = ReadConsentQuery(request);
        if (!query.ok()) return Failed(query.status(), id);
        revoke = std::move(*query);
      }
      auto change = subjects::RevokeConsent(store, ring, revoke, service::Now());
      if (!change.ok()) return Failed(change.status(), id);
      changed("consent.revoke", change->target);
      return Json(200, change->result, id);
    }
    return Error(ApiError::kNotFound, id);
  }

  // subjects/{id}
  if (!privileged) return Error(ApiError::kForbidden, id);
  if (seg.size() != 4) return Error(ApiError::kNotFound, id);
  std::optional<std::string> subject = http::PercentDecode(seg[3]);
  if (!subject) return Failed(absl::InvalidArgumentError("malformed percent-escape"), id);
  if (method == "GET") {
    auto out = subjects::ExportSubject(store, ring, audit::AuditLogPath(config), *subject);
    if (!out.ok()) return Failed(out.status(), id);
    return Json(200, *out, id);
  }
  if (method == "DELETE") {
    auto change = subjects::EraseSubject(store, ring, *subject);
    if (!change.ok()) return Failed(change.status(), id);
    changed("subjects.erase", change->target);
    return Json(200, change->result, id);
  }
  return Error(ApiError::kNotFound, id);
}

}  // namespace bulwark
