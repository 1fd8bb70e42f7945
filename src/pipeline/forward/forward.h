// File: forward.h
// The last stage: builds the vendor request from the parsed client request, sends it with
// retries, and turns the vendor's answer into the client's response.
//
// Request: hop-by-hop headers (Connection and what it names, Keep-Alive, Proxy-*, TE,
// Trailer, Upgrade, Transfer-Encoding), the client's credential, X-Bulwark-*, Host,
// Content-Length, Expect and client-address headers (Forwarded, X-Forwarded-*, X-Real-IP)
// are dropped; the vendor credential from the store is injected in the profile's header.
// Response: vendor 401/403 -> 502 upstream_auth_failed; 429 and 5xx are retried (see
// RetryPolicy) and then answered as rate_limited / upstream_error; other statuses pass
// through. The vendor credential is scrubbed from the body and every header value even
// if the vendor echoes it.
#pragma once

#include <utility>  // std::exchange, used by asio/awaitable.hpp

#include <boost/asio/awaitable.hpp>

#include "observability/metrics.h"
#include "pipeline/context.h"

namespace bulwark {

struct RetryPolicy {
  int max_retries = 2;
  std::chrono::milliseconds base_backoff{200};
  std::chrono::milliseconds max_backoff{5000};
  std::chrono::seconds max_retry_after{30};
};

// Headers for the vendor request (pure, for tests).
std::vector<http::Header> UpstreamHeaders(const http::Request& request, const Profile& profile,
                                          const Secret& vendor_key);

// Replaces every occurrence of the vendor key in body and header values.
void ScrubSecret(http::Response& response, const Secret& vendor_key);

class Forwarder {
 public:
  Forwarder(Metrics& metrics, RetryPolicy policy = {}) : metrics_(metrics), policy_(policy) {}

  // Forwards ctx's request. On success returns the client response; on failure sets
  // ctx.refusal and returns an empty response for the caller to fill.
  boost::asio::awaitable<http::Response> Forward(RequestContext& ctx, double* upstream_ms);

 private:
  Metrics& metrics_;
  RetryPolicy policy_;
};

}  // namespace bulwark
