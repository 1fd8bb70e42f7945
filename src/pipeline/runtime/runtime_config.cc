#include "pipeline/runtime/runtime_config.h"

#include <fmt/format.h>

#include "providers/resources.h"
#include "upstream/client.h"

namespace bulwark {

absl::StatusOr<upstream::Endpoint> ProviderEndpoint(const ProviderConfig& provider) {
  auto endpoint = upstream::ParseBaseUrl(provider.base_url);
  if (endpoint.ok()) return endpoint;
  // Names the key; ParseBaseUrl never quotes the value (it may hold user:password@).
  return absl::InvalidArgumentError(fmt::format("providers.{}.base_url {}", provider.name,
                                                std::string(endpoint.status().message())));
}

absl::StatusOr<std::shared_ptr<const RuntimeConfig>> RuntimeConfig::Build(
    std::shared_ptr<const Config> config, const privacy::Scanner& scanner,
    const Secret& pseudonym_key) {
  auto rt = std::make_shared<RuntimeConfig>();
  rt->config = std::move(config);
  const Config& c = *rt->config;
  for (const std::string& text : c.server.trusted_proxies) {
    auto cidr = Cidr::Parse(text);
    if (!cidr.ok()) {
      return absl::InvalidArgumentError(
          fmt::format("server.trusted_proxies: {}", std::string(cidr.status().message())));
    }
    rt->trusted_proxies.push_back(*cidr);
  }
  for (const ProviderConfig& p : c.providers) {
    ProviderRoute route;
    route.name = p.name;
    route.config = &p;
    route.profile = FindProfile(p.profile);
    if (route.profile == nullptr) {
      return absl::InvalidArgumentError(fmt::format(
          "providers.{}.profile '{}' is not a built-in profile (heygen, writesonic, openai)",
          p.name, p.profile));
    }
    route.resources = ResourceRules(*route.profile);
    auto endpoint = ProviderEndpoint(p);
    if (!endpoint.ok()) return endpoint.status();
    route.endpoint = *endpoint;
    rt->routes.emplace(p.name, std::move(route));
  }
  auto pii = PiiStage::Create(scanner, pseudonym_key, c.providers);
  if (!pii.ok()) return pii.status();
  rt->pii = std::move(*pii);
  return std::shared_ptr<const RuntimeConfig>(std::move(rt));
}

Stage::Result RuntimePiiStage::Run(RequestContext& ctx) {
  if (ctx.runtime == nullptr || ctx.runtime->pii == nullptr) {
    ctx.Reject(ApiError::kInternal, "pii.no_runtime_config");
    return kStop;
  }
  return ctx.runtime->pii->Run(ctx);
}

}  // namespace bulwark
