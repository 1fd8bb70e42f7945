// File: policy.h
// The PII policy decision: which action (allow, redact, mask, pseudonymize, block) applies
// to one PII type on one route, given the provider's policy, the operation's policy (if
// any) and the purposes the request's subject has consented to.
//
//   ProviderPolicy heygen;
//   heygen.rule.default_action = Action::kRedact;
//   heygen.rule.types[PiiType::kEmail] = Action::kPseudonymize;
//   heygen.rule.unlock["personalized_video"] = {PiiType::kPerson};
//   heygen.accepts.insert(PiiType::kPerson);
//   PolicyRule generate;  // [providers.heygen.operations."video.generate"]
//   generate.default_action = Action::kBlock;
//   Action a = Decide(PiiType::kPerson, heygen, &generate, {"personalized_video"});  // kAllow
//
// Resolution order (most specific first):
//   1. the operation's per-type override, 2. the operation's default, 3. the provider's
//   per-type override, 4. the provider's default (redact unless configured).
//   5. A consented purpose that unlocks the type (in the operation's or the provider's
//      `unlock` table) turns the action into allow, whatever steps 1-4 said.
//   6. Vendor data classes: an allow for a type the provider does not accept (`accepts`,
//      default none) becomes redact. Redaction, masking (the last four characters only)
//      and pseudonymisation never send the value, so they are left as they are.
// Decide is pure: no I/O, no state, safe from any thread.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "privacy/pii_type.h"
#include "privacy/rewrite.h"

namespace bulwark::privacy {

// One level of policy (a provider's or an operation's).
struct PolicyRule {
  // Action for types without an override. Default: unset (inherit; redact at the top).
  std::optional<Action> default_action;
  // Per-type overrides.
  std::map<PiiType, Action> types;
  // Purpose -> the types a live consent for that purpose unlocks (allows).
  std::map<std::string, std::vector<PiiType>, std::less<>> unlock;
};

struct ProviderPolicy {
  PolicyRule rule;
  // The PII types this vendor may ever receive as clear values. Default: none.
  std::set<PiiType> accepts;
};

// The action for `type`; see the resolution order above. `operation` may be null.
Action Decide(PiiType type, const ProviderPolicy& provider, const PolicyRule* operation,
              std::span<const std::string> consented_purposes);

// Decide for every type, as a flat Policy for Rewrite / JsonRewriter.
Policy ResolvePolicy(const ProviderPolicy& provider, const PolicyRule* operation,
                     std::span<const std::string> consented_purposes);

// True if some type would be sent as a clear value by `rule` (a default or override of
// allow, or an unlock) although `provider.accepts` does not hold it; the types are listed in
// `out` (sorted). Used by `bulwark check` to warn about a policy the vendor class overrides.
bool AllowsUnaccepted(const ProviderPolicy& provider, const PolicyRule& rule,
                      std::vector<PiiType>* out);

}  // namespace bulwark::privacy
