#include "pipeline/forward/forward.h"

#include <cctype>
#include <charconv>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fmt/format.h>
#include <sodium.h>

#include "config/config.h"
#include "pipeline/forward/sse_relay.h"

namespace bulwark {

namespace asio = boost::asio;

namespace {

using http::EqualsIgnoreCase;

constexpr std::string_view kAlwaysDropped[] = {
    "connection",
    "keep-alive",
    "proxy-connection",
    "proxy-authorization",
    "te",
    "trailer",
    "upgrade",
    "transfer-encoding",
    "host",
    "content-length",
    "expect",
    "authorization",
    "forwarded",
    "x-forwarded-for",
    "x-forwarded-host",
    "x-forwarded-proto",
    "x-forwarded-port",
    "x-real-ip",
};

constexpr std::string_view kResponseDropped[] = {
    "connection", "keep-alive",        "proxy-connection", "te",           "trailer",
    "upgrade",    "transfer-encoding", "content-length",   "x-request-id",
};

bool InList(std::string_view name, std::span<const std::string_view> list) {
  for (std::string_view n : list) {
    if (EqualsIgnoreCase(name, n)) return true;
  }
  return false;
}

// Names listed in Connection headers are hop-by-hop too.
std::vector<std::string> ConnectionNamed(const std::vector<http::Header>& headers) {
  std::vector<std::string> out;
  for (const http::Header& h : headers) {
    if (!EqualsIgnoreCase(h.name, "connection")) continue;
    std::string_view v = h.value;
    while (!v.empty()) {
      size_t comma = v.find(',');
      std::string_view token = v.substr(0, comma);
      while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
      while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
      if (!token.empty()) out.emplace_back(token);
      if (comma == std::string_view::npos) break;
      v.remove_prefix(comma + 1);
    }
  }
  return out;
}

void ReplaceAll(std::string& text, std::string_view needle, std::string_view with) {
  if (needle.empty()) return;
  size_t pos = 0;
  while ((pos = text.find(needle, pos)) != std::string::npos) {
    text.replace(pos, needle.size(), with);
    pos += with.size();
  }
}

// A random (version 4) UUID from libsodium's CSPRNG.
std::string NewIdempotencyKey() {
  unsigned char b[16];
  randombytes_buf(b, sizeof(b));
  b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);
  b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);
  return fmt::format(
      "{:02x}{:02x}{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-"
      "{:02x}{:02x}{:02x}{:02x}{:02x}{:02x}",
      b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
      b[15]);
}

bool IsIdempotent(std::string_view method) {
  return method == "GET" || method == "HEAD" || method == "OPTIONS" || method == "PUT" ||
         method == "DELETE";
}

// Retry-After as delta-seconds (HTTP dates are treated as absent: wait the backoff).
std::optional<int64_t> RetryAfterSeconds(const std::vector<http::Header>& headers) {
  for (const http::Header& h : headers) {
    if (!EqualsIgnoreCase(h.name, "retry-after")) continue;
    int64_t v = 0;
    auto [p, ec] = std::from_chars(h.value.data(), h.value.data() + h.value.size(), v);
    if (ec == std::errc() && p == h.value.data() + h.value.size() && v >= 0) return v;
  }
  return std::nullopt;
}

std::chrono::milliseconds Backoff(const RetryPolicy& p, int attempt) {
  // Full jitter: uniform in [0, min(max, base * 2^attempt)].
  int64_t cap = std::min<int64_t>(p.max_backoff.count(), p.base_backoff.count() << attempt);
  return std::chrono::milliseconds(randombytes_uniform(static_cast<uint32_t>(cap) + 1));
}

}  // namespace

std::vector<http::Header> UpstreamHeaders(const http::Request& request, const Profile& profile,
                                          const Secret& vendor_key) {
  std::vector<std::string> named = ConnectionNamed(request.head.headers);
  std::vector<http::Header> out;
  out.reserve(request.head.headers.size() + 1);
  for (const http::Header& h : request.head.headers) {
    if (InList(h.name, kAlwaysDropped) || EqualsIgnoreCase(h.name, profile.auth_header)) continue;
    if (h.name.size() >= 10 &&
        EqualsIgnoreCase(std::string_view(h.name).substr(0, 10), "x-bulwark-")) {
      continue;
    }
    bool hop = false;
    for (const std::string& n : named) hop = hop || EqualsIgnoreCase(h.name, n);
    if (hop) continue;
    out.push_back(h);
  }
  std::string value = profile.auth_scheme.empty()
                          ? std::string(vendor_key.Reveal())
                          : fmt::format("{} {}", profile.auth_scheme, vendor_key.Reveal());
  out.push_back({std::string(profile.auth_header), std::move(value)});
  return out;
}

void ScrubSecret(http::Response& response, const Secret& vendor_key) {
  constexpr std::string_view kMask = "[REDACTED]";
  ReplaceAll(response.body, vendor_key.Reveal(), kMask);
  for (http::Header& h : response.headers) ReplaceAll(h.value, vendor_key.Reveal(), kMask);
}

asio::awaitable<http::Response> Forwarder::Forward(RequestContext& ctx, double* upstream_ms) {
  thread_local std::unique_ptr<upstream::UpstreamClient> client;
  if (!client) {
    auto executor = co_await asio::this_coro::executor;
    auto& io = static_cast<asio::io_context&>(asio::query(executor, asio::execution::context));
    client = std::make_unique<upstream::UpstreamClient>(io);
  }
  const ProviderRoute& route = *ctx.route;
  auto secret = ctx.snapshot->secrets.find(route.config->secret);
  if (secret == ctx.snapshot->secrets.end()) {
    ctx.Reject(ApiError::kUpstreamUnavailable, "forward.secret_missing");
    co_return http::Response{};
  }
  const Secret& vendor_key = secret->second;

  upstream::UpstreamRequest req;
  req.method = ctx.request.head.method;
  req.target = route.endpoint.base_path + ctx.rest_path;
  if (ctx.request.head.has_query) req.target += "?" + ctx.request.head.query;
  req.headers = UpstreamHeaders(ctx.request, *route.profile, vendor_key);
  req.body = std::move(ctx.request.body);  // not read again; its size is ctx.bytes_in
  // Issue 4: a create the profile marks gets an Idempotency-Key when the client sent none,
  // the same on every retry, so that a retried POST can never bill a second video.
  bool has_idempotency_key = ctx.request.head.Find("idempotency-key") != nullptr;
  if (!has_idempotency_key && ctx.operation != nullptr && ctx.operation->inject_idempotency_key) {
    req.headers.push_back({"Idempotency-Key", NewIdempotencyKey()});
    has_idempotency_key = true;
  }

  upstream::CallOptions options;
  options.connect_timeout = route.config->connect_timeout;
  options.response_timeout = route.config->timeout;
  options.max_response = route.config->max_response;
  // A successful server-sent-events answer is relayed as it arrives (SseRelay).
  options.stream_if = [](int status, const std::vector<http::Header>& headers) {
    if (status < 200 || status >= 300) return false;
    for (const http::Header& h : headers) {
      if (!EqualsIgnoreCase(h.name, "content-type")) continue;
      std::string_view v = h.value;
      v = v.substr(0, v.find(';'));
      while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
      return EqualsIgnoreCase(v, "text/event-stream");
    }
    return false;
  };

  const bool idempotent = IsIdempotent(req.method) || has_idempotency_key;
  asio::steady_timer timer(co_await asio::this_coro::executor);

  // Issue 4: an open breaker answers at once; then a slot of the provider's concurrency
  // limit (waiting in its bounded queue without blocking the loop); retries come out of
  // the provider's retry budget.
  traffic::ProviderTraffic* provider_traffic = ctx.traffic;
  if (provider_traffic != nullptr &&
      provider_traffic->breaker.state(std::chrono::steady_clock::now()) ==
          traffic::CircuitBreaker::State::kOpen) {
    ctx.retry_after = provider_traffic->breaker.RetryAfterSeconds(std::chrono::steady_clock::now());
    ctx.error_detail = "circuit breaker open after repeated vendor failures";
    ctx.Reject(ApiError::kUpstreamUnavailable, "upstream.circuit_open");
    co_return http::Response{};
  }
  traffic::ConcurrencyGate::Permit permit;
  if (provider_traffic != nullptr) {
    permit = co_await provider_traffic->gate->Acquire();
    if (!permit.ok()) {
      bool full = permit.outcome() == traffic::ConcurrencyGate::Outcome::kQueueFull;
      metrics_.RecordQueue(route.name, full ? "queue_full" : "timed_out");
      ctx.retry_after = 1;
      ctx.error_detail = full ? "provider concurrency limit reached and its queue is full"
                              : "provider concurrency limit reached; no slot freed in time";
      ctx.Reject(ApiError::kUpstreamUnavailable,
                 full ? "upstream.concurrency_queue_full" : "upstream.concurrency_timeout");
      co_return http::Response{};
    }
    provider_traffic->budget.RecordRequest(std::chrono::steady_clock::now());
  }
  auto budget_allows_retry = [&]() {
    if (provider_traffic == nullptr) return true;
    bool ok = provider_traffic->budget.TryRetry(std::chrono::steady_clock::now());
    metrics_.RecordRetry(route.name, ok ? "retried" : "budget_exhausted");
    return ok;
  };

  for (int attempt = 0;; ++attempt) {
    auto t0 = std::chrono::steady_clock::now();
    if (provider_traffic != nullptr &&
        provider_traffic->breaker.Admit(t0) == traffic::CircuitBreaker::Admission::kRefused) {
      ctx.retry_after = provider_traffic->breaker.RetryAfterSeconds(t0);
      ctx.error_detail = "circuit breaker open after repeated vendor failures";
      ctx.Reject(ApiError::kUpstreamUnavailable, "upstream.circuit_open");
      co_return http::Response{};
    }
    absl::StatusOr<upstream::UpstreamResponse> result =
        co_await client->Send(route.endpoint, req, options);
    double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    *upstream_ms += ms;
    metrics_.RecordUpstream(route.name, ms / 1000.0);
    bool can_retry = attempt < policy_.max_retries;
    std::chrono::milliseconds wait = Backoff(policy_, attempt);

    if (!result.ok()) {
      absl::StatusCode code = result.status().code();
      bool timeout = code == absl::StatusCode::kDeadlineExceeded;
      metrics_.RecordUpstreamError(route.name, timeout ? "timeout"
                                               : code == absl::StatusCode::kUnavailable
                                                   ? "connect"
                                                   : "protocol");
      if (provider_traffic != nullptr)
        provider_traffic->breaker.RecordFailure(std::chrono::steady_clock::now());
      if (can_retry && idempotent && (timeout || code == absl::StatusCode::kUnavailable) &&
          budget_allows_retry()) {
        timer.expires_after(wait);
        co_await timer.async_wait(asio::use_awaitable);
        continue;
      }
      if (timeout) {
        ctx.Reject(ApiError::kUpstreamTimeout, "upstream.timeout");
      } else if (code == absl::StatusCode::kUnavailable) {
        ctx.Reject(ApiError::kUpstreamUnavailable, "upstream.unavailable");
      } else {
        ctx.Reject(ApiError::kUpstreamError, "upstream.bad_response");
      }
      co_return http::Response{};
    }

    upstream::UpstreamResponse& up = *result;
    if (provider_traffic != nullptr) {
      if (up.status >= 500) {
        provider_traffic->breaker.RecordFailure(std::chrono::steady_clock::now());
      } else {
        provider_traffic->breaker.RecordSuccess();  // the vendor answered (429 too: it is up)
      }
    }
    if (up.status == 429) {
      std::optional<int64_t> after = RetryAfterSeconds(up.headers);
      metrics_.RecordUpstreamError(route.name, "rate_limited");
      if (after && *after > policy_.max_retry_after.count()) {
        ctx.retry_after = *after;  // too long to wait: tell the client
        ctx.Reject(ApiError::kRateLimited, "upstream.rate_limited");
        co_return http::Response{};
      }
      if (can_retry && budget_allows_retry()) {
        timer.expires_after(after ? std::chrono::milliseconds(*after * 1000) : wait);
        co_await timer.async_wait(asio::use_awaitable);
        continue;
      }
      ctx.retry_after = std::max<int64_t>(1, after.value_or(1));
      ctx.Reject(ApiError::kRateLimited, "upstream.rate_limited");
      co_return http::Response{};
    }
    if (up.status >= 500) {
      metrics_.RecordUpstreamError(route.name, "5xx");
      if (can_retry && idempotent && budget_allows_retry()) {
        timer.expires_after(wait);
        co_await timer.async_wait(asio::use_awaitable);
        continue;
      }
      ctx.Reject(ApiError::kUpstreamError, "upstream.server_error");
      co_return http::Response{};
    }
    if (up.status == 401 || up.status == 403) {
      metrics_.RecordUpstreamError(route.name, "auth");
      ctx.Reject(ApiError::kUpstreamAuthFailed, "upstream.auth_failed");
      co_return http::Response{};
    }

    http::Response response;
    response.status = up.status;
    // Issue 4: the vendor accepted the call, so its quota reservation becomes usage; a
    // refused call (4xx) is released when the context ends.
    if (ctx.quota && up.status < 400) ctx.quota->Commit();
    std::vector<std::string> hop_by_hop = ConnectionNamed(up.headers);
    for (http::Header& h : up.headers) {
      bool named = false;
      for (const std::string& n : hop_by_hop) named = named || EqualsIgnoreCase(h.name, n);
      if (named) continue;
      if (EqualsIgnoreCase(h.name, "x-request-id")) {
        response.headers.push_back({"X-Upstream-Request-Id", std::move(h.value)});
      } else if (!InList(h.name, kResponseDropped)) {
        response.headers.push_back(std::move(h));
      }
    }
    if (up.body_reader) {
      ScrubSecret(response, vendor_key);  // the headers; the body as it streams
      response.stream = std::make_shared<SseRelay>(std::move(up.body_reader), ctx.snapshot,
                                                   vendor_key, std::move(ctx.pseudonyms));
      co_return response;
    }
    response.body = std::move(up.body);
    ScrubSecret(response, vendor_key);
    if (ctx.capture_limit > 0) {  // payload capture: what the vendor sent (issue 6)
      ctx.captured_response_size = response.body.size();
      ctx.captured_response.assign(response.body, 0,
                                   std::min(ctx.capture_limit, response.body.size()));
    }
    if (ctx.pseudonyms) {
      const std::string* type = response.Find("content-type");
      std::string lower = type ? *type : std::string();
      for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      bool json = lower.find("json") != std::string::npos;
      response.body = ctx.pseudonyms->Restore(response.body, json);
    }
    co_return response;
  }
}

}  // namespace bulwark
