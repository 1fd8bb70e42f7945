#include "pipeline/gateway.h"

#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "base/random.h"
#include "crypto/keys.h"
#include "http/path.h"
#include "pipeline/authn/authn_stage.h"
#include "pipeline/consent/consent_stage.h"
#include "pipeline/ipallow/ip_allow_stage.h"
#include "pipeline/privacy/pii_stage.h"
#include "pipeline/ratelimit/rate_limit_stage.h"
#include "pipeline/route/route_stage.h"
#include "pipeline/scope/scope_stage.h"
#include "pipeline/snapshot.h"

namespace bulwark {

namespace asio = boost::asio;

Gateway::Gateway(GatewayDeps deps) : deps_(std::move(deps)) {}

absl::StatusOr<std::unique_ptr<Gateway>> Gateway::Create(GatewayDeps deps) {
  std::unique_ptr<Gateway> g(new Gateway(std::move(deps)));
  for (const std::string& c : g->deps_.config->server.trusted_proxies) {
    auto cidr = Cidr::Parse(c);
    if (!cidr.ok()) {
      return absl::InvalidArgumentError(
          fmt::format("server.trusted_proxies: {}", std::string(cidr.status().message())));
    }
    g->trusted_proxies_.push_back(*cidr);
  }
  for (const ProviderConfig& p : g->deps_.config->providers) {
    ProviderRoute route;
    route.name = p.name;
    route.config = &p;
    route.profile = FindProfile(p.profile);
    if (route.profile == nullptr) {
      return absl::InvalidArgumentError(fmt::format(
          "providers.{}.profile '{}' is not a built-in profile (heygen, writesonic, openai)",
          p.name, p.profile));
    }
    auto endpoint = upstream::ParseBaseUrl(p.base_url);
    if (!endpoint.ok()) {
      return absl::InvalidArgumentError(fmt::format("providers.{}.base_url: {}", p.name,
                                                    std::string(endpoint.status().message())));
    }
    route.endpoint = *endpoint;
    g->routes_.emplace(p.name, std::move(route));
  }
  // The order of checks (CONTRACT.md section 7); the audit write follows in Handle().
  g->stages_.push_back(std::make_unique<AuthnStage>(g->deps_.key_hash_key));
  g->stages_.push_back(std::make_unique<RouteStage>());
  g->stages_.push_back(std::make_unique<IpAllowStage>());
  g->stages_.push_back(std::make_unique<ScopeStage>());
  g->stages_.push_back(std::make_unique<RateLimitStage>(*g->deps_.limiter));
  g->stages_.push_back(std::make_unique<ConsentStage>());
  auto scanner = privacy::Scanner::Create();
  if (!scanner.ok()) return scanner.status();
  g->scanner_ = std::move(*scanner);
  g->stages_.push_back(std::make_unique<PiiStage>(*g->scanner_, g->deps_.subject_key));
  g->forwarder_ = std::make_unique<Forwarder>(*g->deps_.metrics);
  return g;
}

namespace {

// Awaits the audit log's group-commit callback, which runs on the writer thread: the
// result is posted back to this worker, so the coroutine resumes on its own thread.
asio::awaitable<absl::Status> AppendDurably(audit::AuditLog& log, audit::Record record) {
  auto executor = co_await asio::this_coro::executor;
  struct Waiter {
    explicit Waiter(const asio::any_io_executor& e) : timer(e) {}
    asio::steady_timer timer;
    absl::Status status;
  };
  auto waiter = std::make_shared<Waiter>(executor);
  waiter->timer.expires_at(asio::steady_timer::time_point::max());
  log.Append(std::move(record), [waiter, executor](absl::Status st) {
    asio::post(executor, [waiter, st = std::move(st)]() mutable {
      waiter->status = std::move(st);
      waiter->timer.cancel();
    });
  });
  boost::system::error_code ec;
  co_await waiter->timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  co_return waiter->status;
}

}  // namespace

audit::Record Gateway::AuditRecord(const RequestContext& ctx) const {
  audit::Record r;
  r.kind = "request";
  r.request_id = ctx.request_id;
  if (ctx.key) {
    r.key_id = ctx.key->record.id;
    r.tenant = ctx.key->record.tenant;
  }
  r.subject = ctx.subject_pseudonym;
  r.provider = ctx.route ? ctx.route->name : ctx.provider_segment.substr(0, 64);
  r.operation = ctx.operation_name.empty() ? "unmatched" : ctx.operation_name;
  r.decision = ctx.refusal ? "refused" : "allowed";
  if (ctx.refusal) {
    r.status = Describe(*ctx.refusal).status;
    r.reason = std::string(Describe(*ctx.refusal).code);
  }
  for (const auto& [type, count] : ctx.pii_findings) r.pii[std::string(type)] = count;
  if (ctx.route) r.pii_action = ctx.route->config->pii;
  r.latency_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - ctx.started)
          .count();
  return r;
}

asio::awaitable<void> Gateway::AuditDecision(RequestContext& ctx) {
  absl::Status st = co_await AppendDurably(*deps_.audit, AuditRecord(ctx));
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
  deps_.access_log->Write(rec);
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

  RequestContext ctx(request, deps_.snapshots->Current());
  ctx.request_id = NewRequestId();
  ctx.client_ip = ClientAddress(request, trusted_proxies_);
  ctx.bytes_in = request.body.size();
  if (const std::string* subject = request.head.Find("x-bulwark-subject")) {
    ctx.subject_pseudonym = KeyedHash(deps_.subject_key, *subject).substr(0, 32);
  }
  double upstream_ms = 0;
  http::Response response;

  auto normalized = http::NormalizePath(path);
  if (!normalized.ok()) {
    ctx.Reject(ApiError::kInvalidRequest, "http.bad_path");
  } else {
    ResolveProvider(routes_, *normalized, ctx);
    for (const auto& stage : stages_) {
      if (stage->Run(ctx) == Stage::kStop) break;
    }
    if (!ctx.refusal) co_await AuditDecision(ctx);
    if (!ctx.refusal) response = co_await forwarder_->Forward(ctx, &upstream_ms);
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
