// File: consent_stage.h
// Consent: a provider with `require_consent = "<purpose>"` serves only requests whose
// X-Bulwark-Subject has a live consent for that purpose. Consent records (grant, revoke,
// evidence) are not stored yet, so no consent can be live: such providers refuse every
// request with 403 consent_required. That is the fail-closed reading of the rule, never a
// silent pass.
#pragma once

#include "pipeline/context.h"

namespace bulwark {

class ConsentStage final : public Stage {
 public:
  std::string_view name() const override { return "consent"; }
  Result Run(RequestContext& ctx) override;
};

}  // namespace bulwark
