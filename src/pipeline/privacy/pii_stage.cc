#include "pipeline/privacy/pii_stage.h"

#include <algorithm>

#include <fmt/format.h>

#include "crypto/keys.h"
#include "privacy/json_rewriter.h"
#include "privacy/minimize.h"

namespace bulwark {
namespace {

enum class BodyKind { kJson, kText, kOther };

// A missing Content-Type is tried as JSON (and refused if it is not); text/* is plain text.
BodyKind Classify(const std::string* content_type) {
  if (content_type == nullptr) return BodyKind::kJson;
  std::string_view v = *content_type;
  v = v.substr(0, v.find(';'));
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  if (http::EqualsIgnoreCase(v, "application/json") ||
      (v.size() > 5 && http::EqualsIgnoreCase(v.substr(v.size() - 5), "+json"))) {
    return BodyKind::kJson;
  }
  if (v.size() > 5 && http::EqualsIgnoreCase(v.substr(0, 5), "text/")) return BodyKind::kText;
  return BodyKind::kOther;
}

template <typename Result>
void RecordFindings(const Result& result, const privacy::Policy& policy, RequestContext& ctx) {
  for (int i = 0; i < privacy::kNumPiiTypes; ++i) {
    if (result.found[i] <= 0) continue;
    auto type = static_cast<privacy::PiiType>(i);
    ctx.pii_findings.emplace_back(privacy::PiiTypeName(type), result.found[i]);
    ctx.pii_actions.emplace_back(privacy::PiiTypeName(type),
                                 privacy::ActionName(privacy::DecideAction(policy, type)));
  }
}

}  // namespace

absl::StatusOr<std::unique_ptr<PiiStage>> PiiStage::Create(
    const privacy::Scanner& scanner, Secret pseudonym_key,
    const std::vector<ProviderConfig>& providers) {
  std::unique_ptr<PiiStage> stage(new PiiStage(scanner, std::move(pseudonym_key)));
  for (const ProviderConfig& p : providers) {
    auto compiled = RoutePrivacy::Compile(p, FindProfile(p.profile.empty() ? p.name : p.profile));
    if (!compiled.ok()) return compiled.status();
    stage->routes_.emplace(&p, std::move(*compiled));
  }
  return stage;
}

Stage::Result PiiStage::Run(RequestContext& ctx) {
  auto route_it = routes_.find(ctx.route->config);
  if (route_it == routes_.end()) {  // every configured provider is compiled in Create
    ctx.Reject(ApiError::kInternal, "pii.no_policy");
    return kStop;
  }
  const RoutePrivacy& route = route_it->second;
  std::string& body = ctx.request.body;
  if (body.empty()) return kContinue;

  const std::string_view op_name = ctx.operation ? ctx.operation->name : "passthrough";
  const PrivacyModes modes = route.ModesFor(op_name);
  // The purposes the subject has a live consent for with this provider (consent stage).
  const std::vector<std::string>& consented = ctx.consented_purposes;
  const privacy::Policy policy =
      privacy::ResolvePolicy(route.provider(), route.RuleFor(op_name), consented);
  const bool all_allowed =
      std::all_of(policy.overrides.begin(), policy.overrides.end(),
                  [](const auto& kv) { return kv.second == privacy::Action::kAllow; });

  std::vector<std::string> paths;  // empty: every string
  bool scan = true;
  if (ctx.operation != nullptr && !modes.all_fields) {
    paths.assign(ctx.operation->text_fields.begin(), ctx.operation->text_fields.end());
    scan = !paths.empty();  // ids, enums and URLs only
  }
  std::span<const std::string_view> allow_list;
  if (ctx.operation != nullptr && modes.unknown_fields != PrivacyModes::Unknown::kAllow) {
    allow_list = ctx.operation->allowed_fields;
  }
  if (!scan && allow_list.empty()) return kContinue;

  // Nothing to enforce when every type is allowed and no field may be dropped.
  const bool may_pass_unscanned = modes.unparseable_allowed || (all_allowed && allow_list.empty());
  auto unscannable = [&](std::string_view reason) {
    if (may_pass_unscanned) return kContinue;
    ctx.Reject(ApiError::kInvalidRequest, reason);
    return kStop;
  };

  std::unique_ptr<privacy::Pseudonymizer> pseudonyms;
  if (ctx.subject_key) {  // the subject's own random key: erasure unlinks these tokens
    pseudonyms = std::make_unique<privacy::Pseudonymizer>(ctx.subject_key->pseudonym_key());
  } else {
    pseudonyms = std::make_unique<privacy::Pseudonymizer>();
  }

  BodyKind kind = Classify(ctx.request.head.Find("content-type"));
  if (kind == BodyKind::kText && modes.all_fields && allow_list.empty()) {
    auto findings = scanner_.Scan(body);
    if (!findings.ok()) return unscannable("pii.scan_failed");
    privacy::RewriteResult result = privacy::Rewrite(body, *findings, policy, pseudonyms.get());
    RecordFindings(result, policy, ctx);
    if (result.blocked) {
      std::vector<privacy::PiiType> types = result.blocked_types;
      std::string names;
      for (privacy::PiiType t : types) {
        names += fmt::format("{}{}", names.empty() ? "" : ", ", privacy::PiiTypeName(t));
      }
      ctx.error_detail = names;
      ctx.Reject(ApiError::kPiiBlocked, "pii.blocked");
      return kStop;
    }
    body = std::move(result.text);
    if (pseudonyms->size() > 0) ctx.pseudonyms = std::move(pseudonyms);
    return kContinue;
  }
  if (kind != BodyKind::kJson) return unscannable("pii.unsupported_content_type");

  if (!allow_list.empty()) {
    auto minimized = privacy::Minimize(body, allow_list);
    if (!minimized.ok()) return unscannable("pii.unparsable_body");
    if (minimized->dropped_count > 0) {
      if (modes.unknown_fields == PrivacyModes::Unknown::kRefuse) {
        std::string names;
        for (const std::string& n : minimized->dropped) {
          names += fmt::format("{}{}", names.empty() ? "" : ", ", n);
        }
        ctx.error_detail = fmt::format("fields not allowed for {}: {}", op_name, names);
        ctx.dropped_fields = std::move(minimized->dropped);
        ctx.Reject(ApiError::kInvalidRequest, "pii.unknown_fields");
        return kStop;
      }
      ctx.dropped_fields = std::move(minimized->dropped);
      body = std::move(minimized->body);
    }
  }
  if (!scan) return kContinue;

  privacy::JsonRewriter rewriter(std::move(paths));
  auto result = rewriter.Rewrite(body, scanner_, policy, pseudonyms.get());
  if (!result.ok()) {
    return unscannable(result.status().code() == absl::StatusCode::kInvalidArgument
                           ? "pii.unparsable_body"
                           : "pii.scan_failed");
  }
  RecordFindings(*result, policy, ctx);
  if (result->blocked) {
    std::string names;
    for (privacy::PiiType t : result->blocked_types) {
      names += fmt::format("{}{}", names.empty() ? "" : ", ", privacy::PiiTypeName(t));
    }
    ctx.error_detail = names;
    ctx.Reject(ApiError::kPiiBlocked, "pii.blocked");
    return kStop;
  }
  body = std::move(result->body);
  if (pseudonyms->size() > 0) ctx.pseudonyms = std::move(pseudonyms);
  return kContinue;
}

}  // namespace bulwark
