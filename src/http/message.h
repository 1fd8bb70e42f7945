// File: message.h
// The parsed request handed to handlers, and the response they return.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "http/request_head.h"

namespace bulwark::http {

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

  void Set(std::string_view name, std::string_view value);
  const std::string* Find(std::string_view name) const;
};

std::string_view ReasonPhrase(int status);

// Serialises the status line and headers, adding Content-Length and, if `close`,
// Connection: close. The body is written separately.
std::string SerializeHead(const Response& response, bool close);

}  // namespace bulwark::http
