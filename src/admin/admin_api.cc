#include "admin/admin_api.h"

#include <vector>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "admin/audit_resource.h"
#include "admin/incident_resource.h"
#include "admin/privacy_resources.h"
#include "admin/replies.h"
#include "base/api_error.h"
#include "base/random.h"
#include "http/query.h"
#include "service/keys.h"
#include "service/usage.h"

namespace bulwark {
namespace {

constexpr size_t kMaxToken = 512;

using admin::Error;
using admin::Json;

// An admin-API error whose message helps the caller fix the request (bad input only;
// never carries stored data).
http::Response BadInput(const absl::Status& status, const std::string& request_id) {
  if (status.code() == absl::StatusCode::kNotFound) return Error(ApiError::kNotFound, request_id);
  return admin::InvalidInput(std::string(status.message()), request_id);
}

std::vector<std::string_view> Segments(std::string_view path) {
  std::vector<std::string_view> out;
  while (!path.empty()) {
    if (path.front() == '/') {
      path.remove_prefix(1);
      continue;
    }
    size_t slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash);
  }
  return out;
}

bool StringList(const nlohmann::json& body, const char* field, std::vector<std::string>* out) {
  if (!body.contains(field) || body[field].is_null()) return true;
  if (!body[field].is_array()) return false;
  for (const auto& v : body[field]) {
    if (!v.is_string()) return false;
    out->push_back(v.get<std::string>());
  }
  return true;
}

bool OptionalString(const nlohmann::json& body, const char* field, std::string* out) {
  if (!body.contains(field) || body[field].is_null()) return true;
  if (!body[field].is_string()) return false;
  *out = body[field].get<std::string>();
  return true;
}

}  // namespace

AdminApi::AdminApi(const Config& config, Store& store, const MasterKey& master,
                   SnapshotSource& snapshots, Metrics& metrics, AdminChangeHook on_change)
    : config_(config),
      store_(store),
      master_(master),
      snapshots_(snapshots),
      metrics_(metrics),
      on_change_(std::move(on_change)),
      token_hash_key_(master.Derive(KeyPurpose::kKeyHash)) {}

boost::asio::awaitable<http::Response> AdminApi::Handle(http::Request& request) {
  std::string id = NewRequestId();
  const std::string& path = request.head.path;
  if (path == "/healthz" && request.head.method == "GET") {
    co_return Json(200, {{"status", "ok"}}, id);
  }
  // Authenticate: an admin token, looked up by keyed hash in the current snapshot.
  std::optional<AdminTokenRecord> token;
  if (const std::string* auth = request.head.Find("authorization");
      auth != nullptr && auth->size() > 7 && auth->size() < kMaxToken &&
      http::EqualsIgnoreCase(std::string_view(*auth).substr(0, 7), "bearer ")) {
    auto snap = snapshots_.Current();
    auto it =
        snap->admin_by_hash.find(KeyedHash(token_hash_key_, std::string_view(*auth).substr(7)));
    if (it != snap->admin_by_hash.end()) token = it->second;
  }
  if (path == "/metrics" && request.head.method == "GET") {
    if (!config_.metrics_public && !token) {
      metrics_.RecordRefusal("unauthenticated");
      co_return Error(ApiError::kUnauthenticated, id);
    }
    http::Response r;
    r.body = metrics_.Render();
    r.headers = {{"Content-Type", "text/plain; version=0.0.4"}, {"X-Request-Id", id}};
    co_return r;
  }
  if (path.rfind("/admin/v1/", 0) != 0) co_return Error(ApiError::kNotFound, id);
  if (!token) {
    metrics_.RecordRefusal("unauthenticated");
    co_return Error(ApiError::kUnauthenticated, id);
  }
  http::Response r = Route(request, *token, id);
  co_return r;
}

http::Response AdminApi::Route(const http::Request& request, const AdminTokenRecord& token,
                               const std::string& id) {
  std::vector<std::string_view> seg = Segments(request.head.path);  // admin, v1, resource, ...
  const std::string& method = request.head.method;
  bool read = method == "GET";
  std::string_view resource = seg.size() > 2 ? seg[2] : "";
  bool may_read = token.role == "admin" || token.role == "auditor";
  bool may_write = token.role == "admin";
  auto changed = [&](const std::string& action, const std::string& target) {
    spdlog::info("admin change: {} {} by {}", action, target, token.id);
    if (on_change_) on_change_(token.id, action, target);
    (void)snapshots_.RefreshNow();  // this node sees its own change at once
  };
  auto parse_body = [&](nlohmann::json* out) {
    *out = nlohmann::json::parse(request.body, nullptr, /*allow_exceptions=*/false);
    return !out->is_discarded() && out->is_object();
  };

  if (resource == "keys") {
    if (read ? !may_read : !may_write) return Error(ApiError::kForbidden, id);
    if (seg.size() == 3 && method == "GET") {
      auto keys = store_.ListKeys();
      if (!keys.ok()) return Error(ApiError::kInternal, id);
      nlohmann::json out = nlohmann::json::array();
      for (const KeyRecord& k : *keys) out.push_back(service::KeyJson(k));
      return Json(200, out, id);
    }
    if (seg.size() == 3 && method == "POST") {
      nlohmann::json body;
      if (!parse_body(&body))
        return BadInput(absl::InvalidArgumentError("body must be a JSON object"), id);
      service::NewKey spec;
      bool ok = OptionalString(body, "name", &spec.name) &&
                OptionalString(body, "tenant", &spec.tenant) &&
                OptionalString(body, "expires_in", &spec.expires_in) &&
                StringList(body, "scopes", &spec.scopes) &&
                StringList(body, "allow_ips", &spec.allow_ips) &&
                StringList(body, "rates", &spec.rates) && StringList(body, "quotas", &spec.quotas);
      if (!ok) {
        return BadInput(absl::InvalidArgumentError(
                            "fields: name, tenant, expires_in (strings); scopes, allow_ips, "
                            "rates, quotas (arrays of strings)"),
                        id);
      }
      auto issued = service::CreateKey(store_, master_, spec);
      if (!issued.ok()) return BadInput(issued.status(), id);
      changed("keys.create", issued->id);
      return Json(201, {{"id", issued->id}, {"key", issued->key}}, id);
    }
    if (seg.size() == 4 && method == "GET") {
      auto key = store_.GetKey(std::string(seg[3]));
      if (!key.ok()) return Error(ApiError::kInternal, id);
      if (!key->has_value()) return Error(ApiError::kNotFound, id);
      nlohmann::json out = service::KeyJson(**key);
      auto usage = service::UsageOf(store_, "key", std::string(seg[3]),
                                    std::chrono::system_clock::now());  // issue 4
      if (!usage.ok()) return Error(ApiError::kInternal, id);
      out["usage"] = std::move(*usage);
      return Json(200, out, id);
    }
    if (seg.size() == 4 && method == "DELETE") {
      absl::Status st = store_.RevokeKey(std::string(seg[3]), service::Now());
      if (!st.ok())
        return st.code() == absl::StatusCode::kNotFound ? Error(ApiError::kNotFound, id)
                                                        : Error(ApiError::kInternal, id);
      changed("keys.revoke", std::string(seg[3]));
      return Json(200, {{"id", seg[3]}, {"status", "revoked"}}, id);
    }
    if (seg.size() == 5 && seg[4] == "rotate" && method == "POST") {
      nlohmann::json body = nlohmann::json::object();
      if (!request.body.empty() && !parse_body(&body)) {
        return BadInput(absl::InvalidArgumentError("body must be a JSON object"), id);
      }
      std::string grace = "24h";
      if (!OptionalString(body, "grace", &grace)) {
        return BadInput(absl::InvalidArgumentError("grace must be a duration string"), id);
      }
      auto issued = service::RotateKey(store_, master_, std::string(seg[3]), grace);
      if (!issued.ok()) return BadInput(issued.status(), id);
      changed("keys.rotate", issued->id);
      return Json(200, {{"id", issued->id}, {"key", issued->key}}, id);
    }
    return Error(ApiError::kNotFound, id);
  }

  if (resource == "audit") {
    if (!may_read) return Error(ApiError::kForbidden, id);
    if (method != "GET" || seg.size() > 4) return Error(ApiError::kNotFound, id);
    auto query = request.head.has_query ? http::ParseQuery(request.head.query)
                                        : absl::StatusOr<http::QueryParams>(http::QueryParams{});
    if (!query.ok()) return BadInput(query.status(), id);
    auto result = AuditResource(config_, master_, store_, seg.size() == 4 ? seg[3] : "", *query);
    if (result.status().code() == absl::StatusCode::kInvalidArgument ||
        result.status().code() == absl::StatusCode::kNotFound) {
      return BadInput(result.status(), id);
    }
    if (!result.ok()) {
      spdlog::error("admin audit: {}", result.status().ToString());
      return Error(ApiError::kInternal, id);
    }
    return Json(200, *result, id);
  }

  // GET /admin/v1/usage[?key=ID|?tenant=NAME] (issue 4): usage of the current UTC day and
  // month per key and per tenant, as flushed by the gateways (at most ~1 s behind).
  if (resource == "usage") {
    if (!may_read) return Error(ApiError::kForbidden, id);
    if (!read || seg.size() != 3) return Error(ApiError::kNotFound, id);
    auto query = request.head.has_query ? http::ParseQuery(request.head.query)
                                        : absl::StatusOr<http::QueryParams>(http::QueryParams{});
    if (!query.ok()) return BadInput(query.status(), id);
    auto key_id = http::UniqueParam(*query, "key");
    auto tenant = http::UniqueParam(*query, "tenant");
    if (!key_id.ok()) return BadInput(key_id.status(), id);
    if (!tenant.ok()) return BadInput(tenant.status(), id);
    if (key_id->has_value() && tenant->has_value()) {
      return BadInput(absl::InvalidArgumentError("give key or tenant, not both"), id);
    }
    std::string scope = key_id->has_value() ? "key" : tenant->has_value() ? "tenant" : "";
    std::string who = key_id->has_value() ? **key_id : tenant->has_value() ? **tenant : "";
    auto report = service::UsageReport(store_, scope, who, std::chrono::system_clock::now());
    if (!report.ok()) return Error(ApiError::kInternal, id);
    return Json(200, *report, id);
  }

  if (resource == "secrets") {
    if (read ? !may_read : !may_write) return Error(ApiError::kForbidden, id);
    if (seg.size() == 3 && method == "GET") {
      auto all = store_.ListSecrets();
      if (!all.ok()) return Error(ApiError::kInternal, id);
      nlohmann::json out = nlohmann::json::array();
      for (const SecretRecord& s : *all) {
        out.push_back({{"name", s.name},
                       {"created_at", service::FormatTime(s.created_at)},
                       {"updated_at", service::FormatTime(s.updated_at)}});
      }
      return Json(200, out, id);
    }
    if (seg.size() == 4 && method == "PUT") {
      nlohmann::json body;
      if (!parse_body(&body) || !body.contains("value") || !body["value"].is_string()) {
        return BadInput(absl::InvalidArgumentError("body must be {\"value\": \"...\"}"), id);
      }
      Secret value(body["value"].get<std::string>());
      body.clear();
      absl::Status st = service::SetSecret(store_, master_, std::string(seg[3]), value);
      if (!st.ok()) return BadInput(st, id);
      changed("secrets.set", std::string(seg[3]));
      return Json(200, {{"name", seg[3]}, {"status", "stored"}}, id);
    }
    if (seg.size() == 4 && method == "DELETE") {
      absl::Status st = store_.DeleteSecret(std::string(seg[3]));
      if (!st.ok())
        return st.code() == absl::StatusCode::kNotFound ? Error(ApiError::kNotFound, id)
                                                        : Error(ApiError::kInternal, id);
      changed("secrets.delete", std::string(seg[3]));
      return Json(200, {{"name", seg[3]}, {"status", "deleted"}}, id);
    }
    return Error(ApiError::kNotFound, id);
  }
  // Consents and data subjects (issue 6): roles, audit and routes in privacy_resources.h.
  // Incident response (issue 7): freeze, thaw, list; in incident_resource.h.
  if (resource == "incidents") {
    return IncidentResource(request, seg, token.role, token.id, id, store_, changed);
  }
  if (resource == "consents" || resource == "subjects") {
    return PrivacyResource(request, seg, token.role, id, store_, master_, config_, changed);
  }
  return Error(ApiError::kNotFound, id);
}

}  // namespace bulwark
