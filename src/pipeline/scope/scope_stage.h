// File: scope_stage.h
// Scopes: `provider:operation`, `provider:*` or `*`. Passthrough calls (no operation
// matched) need `provider:*` or `*`.
#pragma once

#include "pipeline/context.h"

namespace bulwark {

bool ScopeAllows(const std::vector<std::string>& scopes, std::string_view provider,
                 std::string_view operation);

// A scope as given to `keys create --scope`: "*", "provider:*" or "provider:operation".
bool IsValidScope(std::string_view scope);

class ScopeStage final : public Stage {
 public:
  std::string_view name() const override { return "scope"; }
  Result Run(RequestContext& ctx) override;
};

}  // namespace bulwark
