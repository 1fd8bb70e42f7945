// File: route_policy.h
// A provider's PII configuration compiled once at start-up into the form the PII stage
// uses per request: the provider and operation decision rules (privacy/policy.h) and the
// three handling modes, resolved operation over provider over built-in default:
//
//   fields          "profile" (Default: scan the profile's free-text fields) | "all"
//   unknown_fields  "drop" (Default: remove fields outside the operation's allow-list)
//                   | "refuse" (400 invalid_request naming them) | "allow"
//   on_unparseable  "refuse" (Default: a body that cannot be scanned gets 400) | "allow"
//
// Passthrough routes (no profile operation) use the operation name "passthrough" and are
// always scanned with `fields = "all"` semantics.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "config/config.h"
#include "privacy/policy.h"
#include "providers/profile.h"

namespace bulwark {

struct PrivacyModes {
  bool all_fields = false;
  enum class Unknown { kDrop, kRefuse, kAllow } unknown_fields = Unknown::kDrop;
  bool unparseable_allowed = false;
};

class RoutePrivacy {
 public:
  // Fails with kInvalidArgument (naming the key) for an operation name the profile does not
  // have. `profile` may be null (no operation names are then accepted but "passthrough").
  static absl::StatusOr<RoutePrivacy> Compile(const ProviderConfig& config, const Profile* profile);

  const privacy::ProviderPolicy& provider() const { return provider_; }
  // The operation's rule, or null if it has none.
  const privacy::PolicyRule* RuleFor(std::string_view operation) const;
  PrivacyModes ModesFor(std::string_view operation) const;

 private:
  struct Level {
    privacy::PolicyRule rule;
    std::string fields, unknown_fields, on_unparseable;  // "" = inherit
  };
  privacy::ProviderPolicy provider_;
  Level provider_level_;
  std::map<std::string, Level, std::less<>> operations_;
};

// For `bulwark check`: one message per policy level (the provider's, each operation's)
// that allows or unlocks a PII type the provider does not accept (`accepts`); such types
// are redacted instead, which is safe but probably not what the policy's author meant.
// A policy that does not compile yields its error message.
std::vector<std::string> UnacceptedTypeWarnings(const ProviderConfig& config);

}  // namespace bulwark
