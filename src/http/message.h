// File: message.h
// The parsed request handed to handlers, and the response they return.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>  // std::exchange, used by asio/awaitable.hpp
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "absl/status/statusor.h"
#include "http/request_head.h"

namespace bulwark::http {

// A response body produced while it is sent (server-sent events relayed from a vendor):
// the server writes it with chunked framing, one chunk per piece, as the pieces come.
class BodyStream {
 public:
  virtual ~BodyStream() = default;
  // The next piece; an empty string ends the body. An error ends the response abruptly
  // (the connection is closed without the last chunk, so the client sees a broken body).
  virtual boost::asio::awaitable<absl::StatusOr<std::string>> Next() = 0;
};

struct Request {
  RequestHead head;
  std::string body;  // de-chunked
  std::string peer_ip;
  uint16_t peer_port = 0;
};

struct Response {
  int status = 200;
  std::vector<Header> headers;
  std::string body;
  bool close = false;  // close the connection after this response
  // When set, the body comes from here (chunked) and `body` is ignored.
  std::shared_ptr<BodyStream> stream;

  void Set(std::string_view name, std::string_view value);
  const std::string* Find(std::string_view name) const;
};

std::string_view ReasonPhrase(int status);

// Serialises the status line and headers, adding Content-Length and, if `close`,
// Connection: close. The body is written separately.
std::string SerializeHead(const Response& response, bool close);

}  // namespace bulwark::http
