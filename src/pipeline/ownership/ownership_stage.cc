#include "pipeline/ownership/ownership_stage.h"

#include <ctime>
#include <span>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "base/status_macros.h"
#include "http/query.h"

namespace bulwark {
namespace {

constexpr size_t kMaxObjectId = 128;

// Vendor ids are short tokens; anything else (spaces, '+', quotes, control bytes) cannot
// be an id bulwark bound, and refusing it avoids decoding disagreements with the vendor.
bool PlausibleId(std::string_view id) {
  if (id.empty() || id.size() > kMaxObjectId) return false;
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.' || c == ':';
    if (!ok) return false;
  }
  return true;
}

std::optional<std::string_view> PathSegment(std::string_view path, int index) {
  int i = 0;
  while (!path.empty()) {
    if (path.front() == '/') {
      path.remove_prefix(1);
      continue;
    }
    size_t slash = path.find('/');
    std::string_view segment = path.substr(0, slash);
    if (i++ == index) return segment;
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash);
  }
  return std::nullopt;
}

const nlohmann::json* AtPointer(const nlohmann::json& doc, std::string_view pointer) {
  nlohmann::json::json_pointer ptr{std::string(pointer)};
  if (!doc.contains(ptr)) return nullptr;
  return &doc.at(ptr);
}

}  // namespace

absl::StatusOr<std::optional<std::string>> RequestObjectId(const http::RequestHead& head,
                                                           std::string_view rest_path,
                                                           const RequestIdLocation& where) {
  if (where.where == RequestIdLocation::kPathSegment) {
    std::optional<std::string_view> segment = PathSegment(rest_path, where.segment);
    if (!segment) return std::nullopt;
    std::optional<std::string> id = http::PercentDecode(*segment);
    if (!id) return absl::InvalidArgumentError("malformed escape in the object id");
    return id;
  }
  if (!head.has_query) return std::nullopt;
  ASSIGN_OR_RETURN(http::QueryParams params, http::ParseQuery(head.query));
  return http::UniqueParam(params, where.query_param);
}

Stage::Result OwnershipStage::Run(RequestContext& ctx) {
  if (ctx.route == nullptr || ctx.operation == nullptr || !ctx.key) return kContinue;
  if (!ctx.route->config->ownership) return kContinue;
  if (!ctx.route->resources.ResolvedFor(*ctx.route->profile)) {
    // A route built without its rules: refuse rather than let every object through.
    ctx.Reject(ApiError::kInternal, "ownership.rules_unresolved");
    return kStop;
  }
  // Resolved with the route (ResourceRules): no scan, no allocation for the common case.
  for (const ResourceRule* rule : ctx.route->resources.For(ctx.operation)) {
    if (rule->role != ResourceRole::kUses) continue;
    auto id = RequestObjectId(ctx.request.head, ctx.rest_path, rule->request_id);
    if (!id.ok()) {
      ctx.Reject(ApiError::kInvalidRequest, "ownership.ambiguous_id");
      return kStop;
    }
    if (!id->has_value()) continue;  // names no object: the vendor refuses it itself
    std::optional<std::string> owner =
        PlausibleId(**id) ? index_.Owner(ctx.route->name, rule->kind, **id) : std::nullopt;
    if (!owner || *owner != ctx.key->record.tenant) {
      ctx.Reject(ApiError::kObjectNotFound, "ownership.not_owner");
      return kStop;
    }
  }
  return kContinue;
}

bool ApplyOwnership(const RequestContext& ctx, OwnershipIndex& index, http::Response& response) {
  if (ctx.route == nullptr || ctx.operation == nullptr || !ctx.key) return true;
  if (!ctx.route->config->ownership) return true;
  if (response.status < 200 || response.status > 299) return true;
  // The stage refused before forwarding if the rules were not resolved; stay closed.
  if (!ctx.route->resources.ResolvedFor(*ctx.route->profile)) return false;
  std::span<const ResourceRule* const> rules = ctx.route->resources.For(ctx.operation);
  if (rules.empty()) return true;
  nlohmann::json doc = nlohmann::json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  const std::string& tenant = ctx.key->record.tenant;
  bool changed = false;
  for (const ResourceRule* rule : rules) {
    if (rule->role == ResourceRole::kCreates) {
      bool bound = false;
      for (std::string_view pointer : rule->response_ids) {
        const nlohmann::json* id = doc.is_discarded() ? nullptr : AtPointer(doc, pointer);
        if (id == nullptr || !id->is_string() || !PlausibleId(id->get_ref<const std::string&>())) {
          continue;
        }
        ResourceRecord r;
        r.provider = ctx.route->name;
        r.kind = std::string(rule->kind);
        r.id = id->get<std::string>();
        r.tenant = tenant;
        r.key_id = ctx.key->record.id;
        r.subject = ctx.subject_pseudonym;
        r.created_at = static_cast<int64_t>(std::time(nullptr));
        index.Bind(std::move(r));
        bound = true;
        break;
      }
      if (!bound) {
        // The object exists at the vendor but nobody can reach it through bulwark.
        spdlog::warn("ownership: {} {} answer carried no {} id; the object is not bound",
                     ctx.route->name, ctx.operation->name, rule->kind);
      }
    } else if (rule->role == ResourceRole::kLists) {
      if (doc.is_discarded()) return false;
      nlohmann::json::json_pointer ptr{std::string(rule->list_array)};
      if (!doc.contains(ptr) || doc.at(ptr).is_null()) continue;
      nlohmann::json& list = doc.at(ptr);
      if (!list.is_array()) return false;
      nlohmann::json kept = nlohmann::json::array();
      for (nlohmann::json& item : list) {
        if (!item.is_object()) continue;
        auto id = item.find(std::string(rule->item_id));
        if (id == item.end() || !id->is_string()) continue;
        const std::string& value = id->get_ref<const std::string&>();
        std::optional<std::string> owner = index.Owner(ctx.route->name, rule->kind, value);
        if (owner && *owner == tenant) kept.push_back(std::move(item));
      }
      list = std::move(kept);
      changed = true;
    }
  }
  if (changed) response.body = doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return true;
}

}  // namespace bulwark
