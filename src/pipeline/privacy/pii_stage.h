// File: pii_stage.h
// The PII policy stage: before anything leaves, the free-text fields the profile names for
// the operation (every string for passthrough routes) are scanned and rewritten per the
// provider's `pii` mode: redact ("[EMAIL]"), pseudonymize ("<PERSON_1>", restored in the
// vendor's answer), block (422 pii_blocked naming only the types) or allow.
//
// Fails closed: a body that is not JSON, or cannot be parsed, is refused (400) rather
// than forwarded raw, unless the mode is `allow`. Findings (types and counts, never
// values) are kept on the context for the access log.
#pragma once

#include "pipeline/context.h"
#include "privacy/scanner.h"

namespace bulwark {

// The policy for a provider's `pii` mode.
privacy::Policy PolicyForMode(std::string_view mode);

// With X-Bulwark-Subject, pseudonyms are keyed per subject (stable across that subject's
// requests, unlinkable across subjects); without it they are numbered per request.
class PiiStage final : public Stage {
 public:
  PiiStage(const privacy::Scanner& scanner, Secret pseudonym_key)
      : scanner_(scanner), pseudonym_key_(std::move(pseudonym_key)) {}
  std::string_view name() const override { return "pii"; }
  Result Run(RequestContext& ctx) override;

 private:
  const privacy::Scanner& scanner_;
  Secret pseudonym_key_;
};

}  // namespace bulwark
