// File: gateway.h
// The data plane's request handler: the pipeline of CONTRACT.md section 7 in one visible
// place (gateway.cc, Gateway::Handle).
//
//   framing (http::Server) -> path normalisation -> authentication -> route -> IP allowlist
//   -> scope -> rate limit -> consent -> PII policy -> audit write -> forward
//
// Every response, success or refusal, carries X-Request-Id; refusals use the contract's
// error body; every request writes one access-log line and updates the metrics.
#pragma once

#include <memory>
#include <unordered_map>
#include <utility>  // std::exchange, used by asio/awaitable.hpp
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "absl/status/statusor.h"
#include "anomaly/detector.h"
#include "audit/audit.h"
#include "auth/token_endpoint.h"
#include "config/config.h"
#include "observability/access_log.h"
#include "observability/metrics.h"
#include "pipeline/authn/jwt_authn.h"
#include "pipeline/context.h"
#include "pipeline/forward/forward.h"
#include "pipeline/runtime/runtime_config.h"
#include "privacy/scanner.h"
#include "ratelimit/limiter.h"

namespace bulwark {

class SnapshotSource;
class OwnershipIndex;
class SubjectResolver;
class CaptureWriter;

struct GatewayDeps {
  const Config* config = nullptr;
  SnapshotSource* snapshots = nullptr;
  RateLimiter* limiter = nullptr;
  Metrics* metrics = nullptr;
  AccessLog* access_log = nullptr;
  audit::AuditLog* audit = nullptr;
  anomaly::Detector* anomaly = nullptr;        // optional: sees every finished request (issue 7)
  OwnershipIndex* ownership = nullptr;         // vendor objects bound to tenants (required)
  SubjectResolver* subjects = nullptr;         // per-subject keys (required, issue 6)
  CaptureWriter* captures = nullptr;           // payload capture (required, issue 6)
  traffic::TrafficControl* traffic = nullptr;  // provider limits, quotas, breaker (issue 4)
  Secret key_hash_key;                         // for client keys
  // No longer used for subjects: their pseudonyms derive from each subject's random key
  // (issue 6, SubjectResolver). Still handed to PiiStage::Create.
  Secret subject_key;
};

class Gateway {
 public:
  static absl::StatusOr<std::unique_ptr<Gateway>> Create(GatewayDeps deps);

  boost::asio::awaitable<http::Response> Handle(http::Request& request);
  // The response for a request refused while parsing.
  http::Response ParseErrorResponse(const http::ParseError& error);

  // SIGHUP (issue 4), in two steps so that nothing is applied unless everything is valid:
  // PrepareReload builds the routes, upstream endpoints, PII policies and trusted proxies
  // of `config` off to the side (kInvalidArgument naming the key on error; nothing
  // changes); Publish makes them current. Requests that start afterwards use them;
  // requests in flight finish under the ones they started with. Thread-safe.
  absl::StatusOr<std::shared_ptr<const RuntimeConfig>> PrepareReload(
      std::shared_ptr<const Config> config) const;
  void Publish(std::shared_ptr<const RuntimeConfig> runtime) {
    runtime_.Publish(std::move(runtime));
  }

 private:
  explicit Gateway(GatewayDeps deps);
  http::Response ErrorResponse(ApiError error, const std::string& request_id,
                               std::string_view detail = {});
  void Finish(RequestContext& ctx, http::Response& response, double upstream_ms);
  audit::Record AuditRecord(const RequestContext& ctx) const;
  // Writes the decision record durably before the vendor is called; on failure with
  // audit.fail_closed the request is refused with 503 audit_unavailable.
  boost::asio::awaitable<void> AuditDecision(RequestContext& ctx);
  void ObserveForIncidents(const RequestContext& ctx, int status, std::string_view provider,
                           std::string_view operation);

  GatewayDeps deps_;
  std::vector<std::unique_ptr<Stage>> stages_;
  std::unique_ptr<privacy::Scanner> scanner_;
  // Routes, PII policies and trusted proxies, swapped whole on SIGHUP (after scanner_,
  // whose compiled policies reference it).
  RuntimeConfigSource runtime_;
  std::unique_ptr<Forwarder> forwarder_;
  // OAuth2 and bearer JWTs (issue 3): POST /oauth2/token, /.well-known/jwks.json.
  std::unique_ptr<JwtAuthenticator> jwt_;
  std::unique_ptr<auth::TokenEndpoint> token_endpoint_;
};

}  // namespace bulwark
