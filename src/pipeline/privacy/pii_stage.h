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

class PiiStage final : public Stage {
 public:
  explicit PiiStage(const privacy::Scanner& scanner) : scanner_(scanner) {}
  std::string_view name() const override { return "pii"; }
  Result Run(RequestContext& ctx) override;

 private:
  const privacy::Scanner& scanner_;
};

}  // namespace bulwark
