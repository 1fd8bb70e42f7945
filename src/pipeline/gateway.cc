#include "pipeline/gateway.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "audit/append_durably.h"
#include "base/random.h"
#include "crypto/keys.h"
#include "http/path.h"
#include "pipeline/authn/authn_stage.h"
#include "pipeline/capture/capture_writer.h"
#include "pipeline/chain.h"
#include "pipeline/consent/consent_stage.h"
#include "pipeline/freeze/freeze_stage.h"
#include "pipeline/ipallow/ip_allow_stage.h"
#include "pipeline/ownership/ownership_stage.h"
#include "pipeline/privacy/pii_stage.h"
#include "pipeline/ratelimit/rate_limit_stage.h"
#include "pipeline/route/route_stage.h"
#include "pipeline/scope/scope_stage.h"
#include "pipeline/snapshot.h"
#include "pipeline/subjects/subject_key_stage.h"
#include "pipeline/subjects/subject_resolver.h"

namespace bulwark {

namespace asio = boost::asio;

Gateway::Gateway(GatewayDeps deps) : deps_(std::move(deps)) {}

absl::StatusOr<std::unique_ptr<Gateway>> Gateway::Create(GatewayDeps deps) {
  std::unique_ptr<Gateway> g(new Gateway(std::move(deps)));
  // The order of checks (CONTRACT.md section 7); the audit write follows in Handle().
  auto jwt = JwtAuthenticator::Create(*g->deps_.config);
  if (!jwt.ok()) return jwt.status();
  g->jwt_ = std::move(*jwt);
  g->token_endpoint_ = std::make_unique<auth::TokenEndpoint>(
      *g->deps_.config, *g->deps_.audit, g->deps_.key_hash_key, *g->deps_.limiter,
      *g->deps_.access_log, g->deps_.anomaly);
  g->stages_.push_back(std::make_unique<AuthnStage>(g->deps_.key_hash_key, g->jwt_.get()));
  g->stages_.push_back(std::make_unique<FreezeStage>());  // suspended key / frozen (issue 7)
  g->stages_.push_back(std::make_unique<RouteStage>());
  g->stages_.push_back(std::make_unique<IpAllowStage>());
  g->stages_.push_back(std::make_unique<ScopeStage>());
  if (g->deps_.ownership == nullptr) {
    return absl::InvalidArgumentError("gateway: no ownership index (vendor objects unprotected)");
  }
  g->stages_.push_back(std::make_unique<OwnershipStage>(*g->deps_.ownership));
  g->stages_.push_back(std::make_unique<RateLimitStage>(*g->deps_.limiter, g->deps_.traffic));
  g->stages_.push_back(std::make_unique<ThrottleStage>(*g->deps_.limiter));
  if (g->deps_.subjects == nullptr || g->deps_.captures == nullptr) {
    return absl::InvalidArgumentError("gateway: no subject resolver or capture writer");
  }
  // A first-seen subject gets its key once the request is authorised and admitted (the
  // one stage that may await the store: Stage::kAwait).
  g->stages_.push_back(std::make_unique<SubjectKeyStage>(*g->deps_.subjects));
  g->stages_.push_back(std::make_unique<ConsentStage>());
  auto scanner = privacy::Scanner::Create();
  if (!scanner.ok()) return scanner.status();
  g->scanner_ = std::move(*scanner);
  // Routes, upstreams, PII policies and trusted proxies: validated here, swapped on SIGHUP
  // (the PII stage runs the policies of the request's own RuntimeConfig).
  auto runtime = g->PrepareReload(std::make_shared<const Config>(*g->deps_.config));
  if (!runtime.ok()) return runtime.status();
  g->Publish(std::move(*runtime));
  g->stages_.push_back(std::make_unique<RuntimePiiStage>());
  g->forwarder_ = std::make_unique<Forwarder>(*g->deps_.metrics);
  return g;
}

absl::StatusOr<std::shared_ptr<const RuntimeConfig>> Gateway::PrepareReload(
    std::shared_ptr<const Config> config) const {
  return RuntimeConfig::Build(std::move(config), *scanner_, deps_.subject_key);
}

audit::Record Gateway::AuditRecord(const RequestContext& ctx) const {
  audit::Record r;
  r.kind = "request";
  r.request_id = ctx.request_id;
  if (ctx.key) {
    r.key_id = ctx.key->record.id;
    r.tenant = ctx.key->record.tenant;
  }
  r.subject = ctx.subject_pseudonym;
  r.purpose = !ctx.purpose.empty() ? ctx.purpose
              : ctx.route          ? ctx.route->config->require_consent
                                   : std::string();
  r.provider = ctx.route ? ctx.route->name : ctx.provider_segment.substr(0, 64);
  r.operation = ctx.operation_name.empty() ? "unmatched" : ctx.operation_name;
  r.decision = ctx.refusal ? "refused" : "allowed";
  if (ctx.refusal) {
    r.status = Describe(*ctx.refusal).status;
    r.reason = std::string(Describe(*ctx.refusal).code);
  }
  for (const auto& [type, count] : ctx.pii_findings) r.pii[std::string(type)] = count;
  if (ctx.route) r.pii_action = ctx.route->config->pii;
  // With findings, the action taken per type ("EMAIL=redact,PERSON=pseudonymize").
  if (!ctx.pii_actions.empty()) {
    r.pii_action.clear();
    for (const auto& [type, action] : ctx.pii_actions) {
      r.pii_action += fmt::format("{}{}={}", r.pii_action.empty() ? "" : ",", type, action);
    }
  }
  r.latency_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - ctx.started)
          .count();
  return r;
}

asio::awaitable<void> Gateway::AuditDecision(RequestContext& ctx) {
  auto audit_started = std::chrono::steady_clock::now();
  absl::Status st = co_await audit::AppendDurably(*deps_.audit, AuditRecord(ctx));
  deps_.metrics->RecordAuditWrite(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - audit_started).count(),
      st.ok());
  if (st.ok()) co_return;
  deps_.metrics->RecordRefusal("audit_write_failed");
  if (deps_.config->audit_fail_closed) {
    ctx.Reject(ApiError::kAuditUnavailable, "audit.write_failed");
  } else {
    spdlog::warn("audit write failed (audit.fail_closed = false, request forwarded): {}",
                 st.ToString());
  }
}

http::Response Gateway::ErrorResponse(ApiError error, const std::string& request_id,
                                      std::string_view detail) {
  http::Response r;
  r.status = Describe(error).status;
  r.body = ErrorBody(error, request_id, detail);
  r.headers.push_back({"Content-Type", "application/json"});
  r.headers.push_back({"X-Request-Id", request_id});
  r.headers.push_back({"Cache-Control", "no-store"});
  return r;
}

http::Response Gateway::ParseErrorResponse(const http::ParseError& error) {
  ApiError e = error.status == 413   ? ApiError::kPayloadTooLarge
               : error.status == 431 ? ApiError::kHeadersTooLarge
               : error.status == 501 ? ApiError::kNotImplemented
               : error.status == 500 ? ApiError::kInternal
                                     : ApiError::kInvalidRequest;
  if (e == ApiError::kInternal) {
    deps_.metrics->RecordRefusal("internal");  // a handler failure, not a parse error
  } else {
    deps_.metrics->RecordParseError(error.reason);
  }
  std::string id = NewRequestId();
  http::Response r = ErrorResponse(e, id);
  r.close = true;
  AccessRecord rec;
  rec.request_id = id;
  rec.status = r.status;
  rec.code = std::string(Describe(e).code);
  rec.reason = fmt::format("http.{}", error.reason);
  deps_.access_log->Write(rec);
  return r;
}

void Gateway::Finish(RequestContext& ctx, http::Response& response, double upstream_ms) {
  response.Set("X-Request-Id", ctx.request_id);
  if (ctx.limits.any_limit) {
    response.Set("RateLimit-Limit", std::to_string(ctx.limits.limit));
    response.Set("RateLimit-Remaining", std::to_string(ctx.limits.remaining));
    response.Set("RateLimit-Reset", std::to_string(ctx.limits.reset_seconds));
  }
  if (ctx.refusal && ctx.retry_after > 0) {
    response.Set("Retry-After", std::to_string(ctx.retry_after));
  }
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - ctx.started).count();
  std::string_view provider = ctx.route ? std::string_view(ctx.route->name) : "unknown";
  std::string operation = ctx.operation_name.empty() ? "unmatched" : ctx.operation_name;
  deps_.metrics->RecordRequest(provider, operation, response.status, seconds);
  if (ctx.refusal) deps_.metrics->RecordRefusal(Describe(*ctx.refusal).code);

  AccessRecord rec;
  rec.request_id = ctx.request_id;
  if (ctx.key) {
    rec.key_id = ctx.key->record.id;
    rec.tenant = ctx.key->record.tenant;
  }
  rec.client_ip = ctx.client_ip;
  rec.method = ctx.request.head.method;
  rec.provider = std::string(provider);
  rec.operation = operation;
  rec.status = response.status;
  if (ctx.refusal) rec.code = std::string(Describe(*ctx.refusal).code);
  rec.reason = ctx.reason;
  rec.latency_ms = seconds * 1000.0;
  rec.upstream_ms = upstream_ms;
  rec.bytes_in = ctx.bytes_in;
  rec.bytes_out = response.body.size();
  for (const auto& [type, count] : ctx.pii_findings) rec.pii.emplace_back(type, count);
  for (const auto& [type, action] : ctx.pii_actions) rec.pii_actions.emplace_back(type, action);
  ObserveForIncidents(ctx, response.status, provider, operation);
  rec.dropped_fields = ctx.dropped_fields;
  deps_.access_log->Write(rec);
}

// Metrics by decision and PII action, and the anomaly detector's view of the request
// (issue 7). Cheap: a few map updates and, for the detector, one striped lock per subject.
void Gateway::ObserveForIncidents(const RequestContext& ctx, int status, std::string_view provider,
                                  std::string_view operation) {
  deps_.metrics->RecordDecision(provider, operation, ctx.refusal ? "refused" : "allowed");
  int64_t findings = 0;
  for (const auto& [type, count] : ctx.pii_findings) {
    findings += count;
    std::string_view action = ctx.route ? std::string_view(ctx.route->config->pii) : "unknown";
    for (const auto& [t, a] : ctx.pii_actions) {
      if (t == type) action = a;
    }
    deps_.metrics->RecordPiiFindings(type, action, count);
  }
  if (deps_.anomaly == nullptr) return;
  anomaly::Event e;
  if (ctx.key) {
    e.key_id = ctx.key->record.id;
    e.tenant = ctx.key->record.tenant;
  }
  e.client_ip = ctx.client_ip;
  e.auth_failure = status == 401;
  e.failed_key_id = ctx.failed_key_id;
  // Policy refusals; not the ones incident response itself causes (suspended, frozen).
  e.blocked = ctx.refusal && ctx.key && (status == 403 || status == 422 || status == 429) &&
              *ctx.refusal != ApiError::kKeySuspended;
  e.pii_findings = findings;
  deps_.anomaly->Observe(e);
}

asio::awaitable<http::Response> Gateway::Handle(http::Request& request) {
  const std::string& path = request.head.path;
  if (path == "/healthz" && request.head.method == "GET") {
    http::Response r;
    r.body = R"({"status":"ok"})";
    r.headers = {{"Content-Type", "application/json"}, {"X-Request-Id", NewRequestId()}};
    co_return r;
  }
  if (path == "/readyz" && request.head.method == "GET") {
    // Fresh() means the background refresher read the store within its bound, so the
    // store is answering; the event loop itself never waits on the store.
    bool store_ok = deps_.snapshots->Fresh();
    bool limiter_ok = deps_.limiter->Ping().ok();
    http::Response r;
    r.status = store_ok && limiter_ok ? 200 : 503;
    r.body = fmt::format(R"({{"status":"{}","store":"{}","ratelimit":"{}"}})",
                         r.status == 200 ? "ready" : "not_ready", store_ok ? "ok" : "down",
                         limiter_ok ? "ok" : "down");
    r.headers = {{"Content-Type", "application/json"}, {"X-Request-Id", NewRequestId()}};
    co_return r;
  }

  // OAuth2 (issue 3): the token endpoint and the token-signing public keys.
  if (path == auth::kTokenPath) {
    // Named locals, not temporaries, in the co_await: GCC 12 mishandles the lifetime of
    // temporaries (a capturing lambda) inside a co_await expression.
    std::shared_ptr<const AccessSnapshot> snap = deps_.snapshots->Current();
    std::shared_ptr<const auth::KeyRing> ring = snap->signing;
    std::string token_request_id = NewRequestId();
    std::string token_client_ip = ClientAddress(request, runtime_.Current()->trusted_proxies);
    auto token_started = std::chrono::steady_clock::now();
    auth::TokenEndpoint::KeyLookup lookup =
        [snap](const std::string& hash) -> std::optional<auth::TokenEndpoint::ClientKey> {
      auto it = snap->keys_by_hash.find(hash);
      if (it == snap->keys_by_hash.end()) return std::nullopt;
      // No new tokens for a suspended key or a frozen tenant (issue 7): the freeze stage's
      // own predicate.
      const KeyRecord& record = it->second->record;
      return auth::TokenEndpoint::ClientKey{record,
                                            CheckFrozen(*snap, &record) != FreezeDecision::kNone};
    };
    http::Response token_response =
        co_await token_endpoint_->Token(request, token_request_id, token_client_ip, ring, lookup);
    deps_.metrics->RecordRequest(
        "oauth2", "token", token_response.status,
        std::chrono::duration<double>(std::chrono::steady_clock::now() - token_started).count());
    co_return token_response;
  }
  if (path == auth::kJwksPath) {
    co_return token_endpoint_->Jwks(request, NewRequestId(),
                                    deps_.snapshots->Current()->signing.get());
  }

  RequestContext ctx(request, deps_.snapshots->Current());
  ctx.request_id = NewRequestId();
  ctx.runtime = runtime_.Current();  // kept to the end of the request (SIGHUP-safe)
  ctx.client_ip = ClientAddress(request, ctx.runtime->trusted_proxies);
  ctx.bytes_in = request.body.size();
  IdentifySubject(ctx, *deps_.subjects);  // known subjects only; no store I/O here
  double upstream_ms = 0;
  http::Response response;

  auto normalized = http::NormalizePath(path);
  if (!normalized.ok()) {
    ctx.Reject(ApiError::kInvalidRequest, "http.bad_path");
  } else {
    ResolveProvider(ctx.runtime->routes, *normalized, ctx);
    co_await RunStages(stages_, ctx);
    if (!ctx.refusal) co_await AuditDecision(ctx);
    std::optional<CaptureWriter::Capture> capture;
    if (!ctx.refusal) capture = CaptureRequest(ctx, deps_.config->capture_max_body);
    if (!ctx.refusal) response = co_await forwarder_->Forward(ctx, &upstream_ms);
    SubmitCaptures(*deps_.captures, ctx, std::move(capture));
    // Bind created vendor objects to the tenant; a listing that cannot be filtered to the
    // caller's own objects must not reach it.
    if (!ctx.refusal && !ApplyOwnership(ctx, *deps_.ownership, response)) {
      ctx.Reject(ApiError::kUpstreamError, "ownership.unfilterable_list");
    }
  }
  if (ctx.refusal) {
    response = ErrorResponse(*ctx.refusal, ctx.request_id, ctx.error_detail);
    // A path that fails normalisation is a framing error: close, as for parse errors.
    if (ctx.reason == "http.bad_path") response.close = true;
  }
  Finish(ctx, response, upstream_ms);
  // The outcome (refusal, or the vendor's answer) is recorded too; the durable decision
  // record above already gates what leaves, so this one does not hold the response.
  audit::Record outcome = AuditRecord(ctx);
  if (outcome.decision == "allowed") {
    outcome.decision = "answered";
    outcome.status = response.status;
  }
  deps_.audit->Append(std::move(outcome), [](absl::Status st) {
    if (!st.ok()) spdlog::warn("audit write failed: {}", st.ToString());
  });
  co_return response;
}

}  // namespace bulwark
