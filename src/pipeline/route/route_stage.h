// File: route_stage.h
// Routing: `/{provider}/{rest}`. Unknown provider -> 404 route_not_allowed; a path that
// no operation of the profile matches -> 403 route_not_allowed unless the provider sets
// passthrough = true. Runs after authentication (contract order), but the provider is
// identified first by ResolveProvider so authentication can read the vendor's header.
#pragma once

#include <unordered_map>

#include "pipeline/context.h"

namespace bulwark {

// Splits the normalised path into provider segment and rest, and looks the provider up.
// Never rejects.
void ResolveProvider(const std::unordered_map<std::string, ProviderRoute>& routes,
                     std::string_view normalized_path, RequestContext& ctx);

class RouteStage final : public Stage {
 public:
  std::string_view name() const override { return "route"; }
  Result Run(RequestContext& ctx) override;
};

}  // namespace bulwark
