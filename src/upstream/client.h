// File: client.h
// The vendor-facing HTTP client: connection pool, TLS with certificate and host-name
// verification against the system CAs, connect and response time-outs.
//
// One UpstreamClient per worker io_context (the pool is per worker, so no locks). A
// request is re-framed from its parsed form (never relayed byte for byte). Failures are
// reported as Status: Unavailable (refused, reset, DNS, TLS), DeadlineExceeded (no answer
// in time), ResourceExhausted (response over max_response), Internal (malformed response).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>  // std::exchange, used by asio/awaitable.hpp
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>

#include "absl/status/statusor.h"
#include "http/request_head.h"

namespace bulwark::upstream {

struct Endpoint {
  bool tls = false;
  std::string host;
  std::string port;
  std::string base_path;  // no trailing slash; "" for the root
};

// Parses "https://host[:port][/base]" or "http://...". No userinfo, query or fragment.
// The error message never quotes the URL (it may carry a password or a webhook token):
// callers prefix it with the config key, as in "alerts.webhooks: must start with ...".
absl::StatusOr<Endpoint> ParseBaseUrl(std::string_view url);

struct UpstreamRequest {
  std::string method;
  std::string target;  // path and query, starting with '/'
  std::vector<http::Header> headers;
  std::string body;
};

// The body of a streamed response (CallOptions::stream_if), read as it arrives.
class BodyReader {
 public:
  virtual ~BodyReader() = default;
  // The next piece of the body (never empty) as soon as some arrives; an empty string once
  // the body is complete. Errors as for Send (DeadlineExceeded when no byte arrives within
  // the response time-out, ResourceExhausted past max_response in total).
  virtual boost::asio::awaitable<absl::StatusOr<std::string>> Read() = 0;
};

struct UpstreamResponse {
  int status = 0;
  std::vector<http::Header> headers;
  std::string body;
  // Set instead of `body` when CallOptions::stream_if chose to stream this response. It
  // owns the connection (which is not reused afterwards); use it on the same io_context.
  std::unique_ptr<BodyReader> body_reader;
};

struct CallOptions {
  std::chrono::milliseconds connect_timeout{10000};
  std::chrono::milliseconds response_timeout{60000};
  uint64_t max_response = 64ULL << 20;
  // Called with the status and headers once they arrive; returning true streams the body
  // (UpstreamResponse::body_reader) instead of reading it whole. Default: never stream.
  std::function<bool(int status, const std::vector<http::Header>& headers)> stream_if;
};

class UpstreamClient {
 public:
  explicit UpstreamClient(boost::asio::io_context& context);
  ~UpstreamClient();

  boost::asio::awaitable<absl::StatusOr<UpstreamResponse>> Send(const Endpoint& endpoint,
                                                                const UpstreamRequest& request,
                                                                const CallOptions& options);

 private:
  struct Pool;
  boost::asio::io_context& context_;
  boost::asio::ssl::context ssl_;
  std::unique_ptr<Pool> pool_;
};

}  // namespace bulwark::upstream
