#include "pipeline/privacy/pii_stage.h"

#include "config/config.h"
#include "crypto/keys.h"
#include "privacy/json_rewriter.h"

namespace bulwark {
namespace {

bool IsJson(const std::string* content_type) {
  if (content_type == nullptr) return false;
  std::string_view v = *content_type;
  v = v.substr(0, v.find(';'));
  while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
  return http::EqualsIgnoreCase(v, "application/json") ||
         (v.size() > 5 && http::EqualsIgnoreCase(v.substr(v.size() - 5), "+json"));
}

}  // namespace

privacy::Policy PolicyForMode(std::string_view mode) {
  privacy::Policy p;
  if (mode == "pseudonymize") p.default_action = privacy::Action::kPseudonymize;
  if (mode == "block") p.default_action = privacy::Action::kBlock;
  if (mode == "allow") p.default_action = privacy::Action::kAllow;
  return p;
}

Stage::Result PiiStage::Run(RequestContext& ctx) {
  const std::string& mode = ctx.route->config->pii;
  const std::string& body = ctx.request.body;
  if (mode == "allow" || body.empty()) return kContinue;
  std::vector<std::string> paths;
  if (ctx.operation != nullptr) {
    if (ctx.operation->text_fields.empty()) return kContinue;  // ids, enums and URLs only
    paths.assign(ctx.operation->text_fields.begin(), ctx.operation->text_fields.end());
  }  // passthrough: an empty list selects every string
  if (!IsJson(ctx.request.head.Find("content-type"))) {
    ctx.Reject(ApiError::kInvalidRequest, "pii.unsupported_content_type");
    return kStop;
  }
  privacy::Policy policy = PolicyForMode(mode);
  std::unique_ptr<privacy::Pseudonymizer> pseudonyms;
  if (const std::string* subject = ctx.request.head.Find("x-bulwark-subject")) {
    pseudonyms = std::make_unique<privacy::Pseudonymizer>(
        Secret(KeyedHash(pseudonym_key_, "pseudonyms:" + *subject)));
  } else {
    pseudonyms = std::make_unique<privacy::Pseudonymizer>();
  }
  privacy::JsonRewriter rewriter(std::move(paths));
  auto result = rewriter.Rewrite(body, scanner_, policy, pseudonyms.get());
  if (!result.ok()) {
    ctx.Reject(ApiError::kInvalidRequest,
               result.status().code() == absl::StatusCode::kInvalidArgument ? "pii.unparsable_body"
                                                                            : "pii.scan_failed");
    return kStop;
  }
  for (int i = 0; i < privacy::kNumPiiTypes; ++i) {
    if (result->found[i] > 0) {
      ctx.pii_findings.emplace_back(privacy::PiiTypeName(static_cast<privacy::PiiType>(i)),
                                    result->found[i]);
    }
  }
  if (result->blocked) {
    std::string types;
    for (privacy::PiiType t : result->blocked_types) {
      if (!types.empty()) types += ", ";
      types += privacy::PiiTypeName(t);
    }
    ctx.error_detail = types;
    ctx.Reject(ApiError::kPiiBlocked, "pii.blocked");
    return kStop;
  }
  ctx.request.body = std::move(result->body);
  if (pseudonyms->size() > 0) ctx.pseudonyms = std::move(pseudonyms);
  return kContinue;
}

}  // namespace bulwark
