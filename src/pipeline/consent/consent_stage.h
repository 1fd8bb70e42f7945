// File: consent_stage.h
// Consent: a provider with `require_consent = "<purpose>"` serves only requests whose
// X-Bulwark-Subject has a live consent (granted, not revoked) for that purpose with this
// provider, or a provider-less grant (CONTRACT.md section 7). Whatever X-Bulwark-Purpose
// says does not change the check; the header is only recorded.
//
// Consents come from the access snapshot (SnapshotSource), so a grant or revocation made
// by the CLI or the admin API reaches every running node within one poll interval; a
// lookup is one hash-map find plus a scan of that subject's few grants.
//
// For every request with a subject the stage also sets ctx.consented_purposes (purposes
// live for this subject and provider), which the PII policy uses to unlock types.
// Refusals: 403 consent_required with reason "consent.no_subject" or "consent.not_granted".
#pragma once

#include "pipeline/context.h"

namespace bulwark {

class ConsentStage final : public Stage {
 public:
  std::string_view name() const override { return "consent"; }
  Result Run(RequestContext& ctx) override;
};

}  // namespace bulwark
