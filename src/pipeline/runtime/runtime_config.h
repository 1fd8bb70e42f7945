// File: runtime_config.h
// RuntimeConfig: everything the data plane reads from the configuration per request, built
// whole from one Config and swapped whole on SIGHUP (issue 4: "SIGHUP reloads the
// configuration without dropping connections or requests").
//
//   auto next = RuntimeConfig::Build(config, scanner, pseudonym_key);  // validates all
//   if (!next.ok()) { /* keep the running one; next.status() names the key */ }
//   source.Publish(*next);                                              // atomic swap
//
// It holds the routes (provider name -> profile, upstream endpoint and the ProviderConfig
// with time-outs, retries, consent, capture and ownership settings), the compiled PII
// policies and the trusted proxies. A request takes the current RuntimeConfig once, when
// it starts (RequestContext::runtime), and keeps it to its end: a reload never changes
// the route, policy or upstream of a request in flight, and an old RuntimeConfig is freed
// with the last request that uses it. Immutable after Build, so shared by every worker
// thread without locks; the source's swap is one atomic shared_ptr store.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "absl/status/statusor.h"
#include "base/cidr.h"
#include "base/secret.h"
#include "config/config.h"
#include "pipeline/context.h"
#include "pipeline/privacy/pii_stage.h"
#include "privacy/scanner.h"
#include "upstream/client.h"

namespace bulwark {

struct RuntimeConfig {
  std::shared_ptr<const Config> config;
  std::vector<Cidr> trusted_proxies;  // server.trusted_proxies
  // Provider name -> route; each ProviderRoute::config points into *config.
  std::unordered_map<std::string, ProviderRoute> routes;
  // The PII policies of config->providers, compiled (keyed by their ProviderConfig).
  std::unique_ptr<PiiStage> pii;

  // Builds and validates everything; on failure (kInvalidArgument naming the key: an
  // unknown profile, a bad base_url, a bad CIDR or PII policy) nothing is returned.
  // `scanner` must outlive the result.
  static absl::StatusOr<std::shared_ptr<const RuntimeConfig>> Build(
      std::shared_ptr<const Config> config, const privacy::Scanner& scanner,
      const Secret& pseudonym_key);
};

// The upstream endpoint of `provider`'s base_url. The error names the key and the accepted
// form but never quotes the value, which may hold credentials (user:password@, ?token=).
absl::StatusOr<upstream::Endpoint> ProviderEndpoint(const ProviderConfig& provider);

// The current RuntimeConfig. Thread-safe.
class RuntimeConfigSource {
 public:
  std::shared_ptr<const RuntimeConfig> Current() const { return current_.load(); }
  void Publish(std::shared_ptr<const RuntimeConfig> next) { current_.store(std::move(next)); }

 private:
  std::atomic<std::shared_ptr<const RuntimeConfig>> current_;
};

// The pipeline's PII stage: runs the PII policy of the RuntimeConfig the request started
// with (ctx.runtime). A request without one is refused (500 internal), never forwarded
// unscanned.
class RuntimePiiStage final : public Stage {
 public:
  std::string_view name() const override { return "pii"; }
  Result Run(RequestContext& ctx) override;
};

}  // namespace bulwark
