// File: context.h
// RequestContext: what the pipeline stages know about one request. Stages read what the
// earlier stages set and either continue or Reject() with a contract error and a stable
// internal reason ("authn.unknown_key") for logs and metrics.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>  // std::exchange, used by asio/awaitable.hpp

#include <boost/asio/awaitable.hpp>

#include "base/api_error.h"
#include "http/message.h"
#include "pipeline/snapshot.h"
#include "privacy/rewrite.h"
#include "providers/profile.h"
#include "providers/resources.h"
#include "ratelimit/limiter.h"
#include "subjects/keyring.h"
#include "traffic/traffic_control.h"
#include "upstream/client.h"

namespace bulwark {

struct ProviderConfig;
struct RuntimeConfig;  // pipeline/runtime/runtime_config.h

// A configured provider, resolved once at startup.
struct ProviderRoute {
  std::string name;
  const ProviderConfig* config = nullptr;
  const Profile* profile = nullptr;
  upstream::Endpoint endpoint;
  // Vendor-object ownership rules of every operation of `profile`, resolved with the
  // route: ResourceRules(*profile). The ownership stage refuses requests on a route whose
  // rules were not resolved for its profile.
  ResourceRules resources;
};

struct RequestContext {
  RequestContext(http::Request& req, std::shared_ptr<const AccessSnapshot> snap)
      : request(req), snapshot(std::move(snap)) {}

  http::Request& request;
  std::shared_ptr<const AccessSnapshot> snapshot;
  // The routes, policies and upstreams this request runs under, taken once when it starts
  // (issue 4: a SIGHUP reload never changes them under a request in flight). `route`
  // below points into it.
  std::shared_ptr<const RuntimeConfig> runtime;
  std::string request_id;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  std::string client_ip;
  uint64_t bytes_in = 0;          // the client's body size, before any rewriting
  std::string subject_pseudonym;  // from the subject's key (subjects/keyring.h), "" if none

  // Consent and data subjects (issue 6). Set in Gateway::Handle before the consent stage:
  // the lookup hash of X-Bulwark-Subject ("" if absent) and the subject's key (created on
  // first use); X-Bulwark-Purpose as given ("" if absent or malformed). Set by the consent
  // stage: the purposes this subject has a live consent for with this provider (the PII
  // policy's `unlock` reads them).
  std::string subject_lookup;
  std::shared_ptr<const subjects::SubjectKey> subject_key;
  std::string purpose;
  std::vector<std::string> consented_purposes;
  // Payload capture (providers.NAME.capture): at most `capture_limit` bytes of the vendor's
  // answer as received (before pseudonyms are restored), and its full size. 0 = off.
  size_t capture_limit = 0;
  std::string captured_response;
  size_t captured_response_size = 0;

  // Set by routing: the provider named by the first path segment (nullptr if unknown),
  // the normalised rest of the path, and the matched operation.
  std::string provider_segment;
  const ProviderRoute* route = nullptr;
  std::string rest_path;
  const Operation* operation = nullptr;
  std::string operation_name;  // operation->name, "passthrough" or "unmatched"

  // Set by authentication.
  std::shared_ptr<const KeyEntry> key;
  // Set by authentication when it refuses a credential that belongs to a known key
  // (revoked, expired, rotated out): that key's id, for the anomaly detector (issue 7).
  std::string failed_key_id;

  // Set by rate limiting.
  LimitDecision limits;
  // Also set by rate limiting (issue 4): the provider's traffic state (breaker, retry
  // budget, concurrency gate) for the forwarder, and the quota reservation, which the
  // forwarder commits when the vendor accepts the call (dropped = released).
  traffic::ProviderTraffic* traffic = nullptr;
  std::shared_ptr<traffic::UsageLedger::Reservation> quota;

  // Set by the PII stage: findings (type name, count; never values) and, when values were
  // pseudonymised, the mapping used to restore them in the vendor's answer.
  std::vector<std::pair<std::string_view, int>> pii_findings;
  std::unique_ptr<privacy::Pseudonymizer> pseudonyms;
  // Also set by the PII stage: the action applied to each type found ("EMAIL" ->
  // "redact"), and the names (never values) of request fields dropped by minimisation.
  std::vector<std::pair<std::string_view, std::string_view>> pii_actions;
  std::vector<std::string> dropped_fields;

  // The refusal, if any. `error_detail` is appended to the message where the contract
  // allows one (pii_blocked names the types found).
  std::string error_detail;
  std::optional<ApiError> refusal;
  std::string reason;
  int64_t retry_after = 0;

  void Reject(ApiError error, std::string_view why) {
    refusal = error;
    reason = std::string(why);
  }
};

// A stage of the request pipeline (see gateway.cc for the order, chain.h for the runner).
// Run is synchronous. A stage that sometimes needs I/O (a store write, never a plain
// lookup) returns kAwait from Run; the chain then co_awaits RunAsync before the next stage.
// So the common path costs no coroutine frame, and no stage is ever special-cased by name.
class Stage {
 public:
  enum Result { kContinue, kStop, kAwait };
  virtual ~Stage() = default;
  virtual std::string_view name() const = 0;
  virtual Result Run(RequestContext& ctx) = 0;
  // Called, and awaited, only after Run returned kAwait; answers kContinue or kStop (a
  // refusal is ctx.Reject and kStop, as in Run). Runs on the request's executor; blocking
  // work goes to a pool (see pipeline/subjects/subject_key_stage.h).
  virtual boost::asio::awaitable<Result> RunAsync(RequestContext& ctx);
};

}  // namespace bulwark
