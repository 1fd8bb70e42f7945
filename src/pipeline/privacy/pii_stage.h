// File: pii_stage.h
// The PII policy stage: before anything leaves, the request body is minimised and scanned,
// and every PII finding is allowed, redacted ("[EMAIL]"), masked (last four characters
// kept), pseudonymised ("<PERSON_1>", restored in the vendor's answer) or blocked (422
// pii_blocked naming only the types), as the route's policy decides (route_policy.h,
// privacy/policy.h):
//
//   1. Minimisation: for an operation with a field allow-list (providers/profiles.cc),
//      fields outside it are dropped (their names go to the access log) or, with
//      `unknown_fields = "refuse"`, the request is refused with 400 invalid_request.
//   2. Scanning: the profile's free-text fields, or every string with `fields = "all"` and
//      on passthrough routes; a text/* body on a passthrough route is scanned as text.
//   3. Fail closed: a body that is not JSON where JSON is needed, an unknown content type
//      or a scanner error is refused (400 invalid_request), never forwarded raw, unless
//      the policy says `on_unparseable = "allow"` (or allows every type and every field,
//      when there is nothing to enforce).
//
// With X-Bulwark-Subject, pseudonyms are keyed per subject (stable across that subject's
// requests, unlinkable across subjects); without it they are numbered per request.
// Findings (type, count, action; never values) are kept on the context for the access log
// and the audit record.
#pragma once

#include <map>
#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "pipeline/context.h"
#include "pipeline/privacy/route_policy.h"
#include "privacy/scanner.h"

namespace bulwark {

class PiiStage final : public Stage {
 public:
  // Compiles the policy of every provider in `providers` (profiles resolved by name);
  // fails with kInvalidArgument naming the bad key. The ProviderConfigs must outlive the
  // stage (requests are matched to their policy by the ProviderConfig's address).
  static absl::StatusOr<std::unique_ptr<PiiStage>> Create(
      const privacy::Scanner& scanner, Secret pseudonym_key,
      const std::vector<ProviderConfig>& providers);

  std::string_view name() const override { return "pii"; }
  Result Run(RequestContext& ctx) override;

 private:
  PiiStage(const privacy::Scanner& scanner, Secret pseudonym_key)
      : scanner_(scanner), pseudonym_key_(std::move(pseudonym_key)) {}

  const privacy::Scanner& scanner_;
  Secret pseudonym_key_;
  std::map<const ProviderConfig*, RoutePrivacy> routes_;
};

}  // namespace bulwark
