#include "pipeline/route/route_stage.h"

#include "config/config.h"

namespace bulwark {

void ResolveProvider(const std::unordered_map<std::string, ProviderRoute>& routes,
                     std::string_view normalized_path, RequestContext& ctx) {
  std::string_view rest = normalized_path.substr(1);
  size_t slash = rest.find('/');
  ctx.provider_segment = std::string(rest.substr(0, slash));
  ctx.rest_path = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  auto it = routes.find(ctx.provider_segment);
  ctx.route = it == routes.end() ? nullptr : &it->second;
}

Stage::Result RouteStage::Run(RequestContext& ctx) {
  if (ctx.route == nullptr) {
    ctx.operation_name = "unmatched";
    ctx.Reject(ApiError::kNotFound, "route.unknown_provider");
    return kStop;
  }
  ctx.operation = MatchOperation(*ctx.route->profile, ctx.request.head.method, ctx.rest_path);
  if (ctx.operation != nullptr) {
    ctx.operation_name = std::string(ctx.operation->name);
    return kContinue;
  }
  if (ctx.route->config->passthrough) {
    ctx.operation_name = "passthrough";
    return kContinue;
  }
  ctx.operation_name = "unmatched";
  ctx.Reject(ApiError::kRouteNotAllowed, "route.no_operation");
  return kStop;
}

}  // namespace bulwark
