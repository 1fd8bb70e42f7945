#include "pipeline/consent/consent_stage.h"

#include <algorithm>

#include "config/config.h"

namespace bulwark {

Stage::Result ConsentStage::Run(RequestContext& ctx) {
  if (!ctx.subject_lookup.empty() && ctx.route != nullptr) {
    auto it = ctx.snapshot->consents_by_subject.find(ctx.subject_lookup);
    if (it != ctx.snapshot->consents_by_subject.end()) {
      for (const AccessSnapshot::ConsentGrant& g : it->second) {
        bool applies = g.provider.empty() || g.provider == ctx.route->name;
        if (applies && std::find(ctx.consented_purposes.begin(), ctx.consented_purposes.end(),
                                 g.purpose) == ctx.consented_purposes.end()) {
          ctx.consented_purposes.push_back(g.purpose);
        }
      }
    }
  }
  const std::string& required = ctx.route->config->require_consent;
  if (required.empty()) return kContinue;
  if (ctx.subject_lookup.empty()) {
    ctx.Reject(ApiError::kConsentRequired, "consent.no_subject");
    return kStop;
  }
  if (std::find(ctx.consented_purposes.begin(), ctx.consented_purposes.end(), required) ==
      ctx.consented_purposes.end()) {
    ctx.Reject(ApiError::kConsentRequired, "consent.not_granted");
    return kStop;
  }
  return kContinue;
}

}  // namespace bulwark
