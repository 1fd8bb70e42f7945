// File: pii_policy.h
// Parsing of the PII policy tables of a provider (CONTRACT.md section 3 plus issue 5):
//
//   [providers.heygen]
//   pii = "redact"                       # shorthand for policy.default
//   accepts = ["PERSON"]                 # PII types this vendor may ever receive
//   [providers.heygen.policy]
//   default = "redact"                   # allow | redact | mask | pseudonymize | block
//   types = { EMAIL = "pseudonymize", PERSON = "allow" }
//   unlock = { personalized_video = ["PERSON"] }   # a live consent for the purpose allows
//   fields = "profile"                   # or "all": scan every string, not only free text
//   unknown_fields = "drop"              # fields outside the allow-list: drop|refuse|allow
//   on_unparseable = "refuse"            # a body that cannot be scanned: refuse|allow
//   [providers.heygen.operations."video.generate"]
//   pii = "block"                        # same keys as policy (`pii` or `default`)
//
// Only names are checked here (PII types, actions, modes); the privacy layer turns the
// result into a decision table (privacy/policy.h).
#pragma once

#include <string_view>

#include <toml++/toml.h>

#include "absl/status/status.h"
#include "config/config.h"

namespace bulwark {

// `node` must be a table with the keys above; errors name `key` and the accepted values.
absl::Status ParsePiiRule(const toml::node& node, std::string_view key, bool operation_level,
                          PiiRuleConfig* out);

// [providers.X.operations]: a table of operation name -> rule table.
absl::Status ParsePiiOperations(const toml::node& node, std::string_view key,
                                std::map<std::string, PiiRuleConfig>* out);

// providers.X.accepts: an array of PII type names (contract spelling).
absl::Status ParsePiiTypeList(const toml::node& node, std::string_view key,
                              std::vector<std::string>* out);

// True for the contract's PII type names ("EMAIL", ...).
bool IsPiiTypeName(std::string_view name);
// True for allow, redact, mask, pseudonymize, block.
bool IsPiiActionName(std::string_view name);

}  // namespace bulwark
