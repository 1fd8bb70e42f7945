#include "pipeline/consent/consent_stage.h"

#include "config/config.h"

namespace bulwark {

Stage::Result ConsentStage::Run(RequestContext& ctx) {
  if (ctx.route->config->require_consent.empty()) return kContinue;
  if (ctx.request.head.Find("x-bulwark-subject") == nullptr) {
    ctx.Reject(ApiError::kConsentRequired, "consent.no_subject");
  } else {
    ctx.Reject(ApiError::kConsentRequired, "consent.not_granted");
  }
  return kStop;
}

}  // namespace bulwark
