#include "http/message.h"

#include <fmt/format.h>

namespace bulwark::http {

void Response::Set(std::string_view name, std::string_view value) {
  for (Header& h : headers) {
    if (EqualsIgnoreCase(h.name, name)) {
      h.value = std::string(value);
      return;
    }
  }
  headers.push_back({std::string(name), std::string(value)});
}

const std::string* Response::Find(std::string_view name) const {
  for (const Header& h : headers) {
    if (EqualsIgnoreCase(h.name, name)) return &h.value;
  }
  return nullptr;
}

std::string_view ReasonPhrase(int status) {
  switch (status) {
    case 100:
      return "Continue";
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 202:
      return "Accepted";
    case 204:
      return "No Content";
    case 301:
      return "Moved Permanently";
    case 302:
      return "Found";
    case 304:
      return "Not Modified";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 402:
      return "Payment Required";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 413:
      return "Content Too Large";
    case 415:
      return "Unsupported Media Type";
    case 422:
      return "Unprocessable Content";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    default:
      return "Status";
  }
}

std::string SerializeHead(const Response& response, bool close) {
  std::string out =
      fmt::format("HTTP/1.1 {} {}\r\n", response.status, ReasonPhrase(response.status));
  for (const Header& h : response.headers) {
    if (EqualsIgnoreCase(h.name, "content-length") || EqualsIgnoreCase(h.name, "connection") ||
        EqualsIgnoreCase(h.name, "transfer-encoding")) {
      continue;  // framing is ours alone
    }
    out += h.name;
    out += ": ";
    out += h.value;
    out += "\r\n";
  }
  bool bodiless = response.status == 204 || response.status == 304 || response.status < 200;
  if (!bodiless && response.stream) {
    out += "Transfer-Encoding: chunked\r\n";
  } else if (!bodiless) {
    out += fmt::format("Content-Length: {}\r\n", response.body.size());
  }
  if (close) out += "Connection: close\r\n";
  out += "\r\n";
  return out;
}

}  // namespace bulwark::http
