// File: request_head.h
// Strict HTTP/1.1 request-head parsing (CONTRACT.md section 4, "Parsing is strict").
//
// The head is parsed once; the parsed form drives routing, authorisation and forwarding
// and is re-framed before going upstream, so no ambiguity in the bytes a client sent can
// reach the vendor. Anything RFC 9112 lets a recipient reject, we reject: bare LF or CR,
// obsolete line folding, control bytes, header names outside the token set or with '_',
// duplicate or invalid Content-Length, Content-Length with Transfer-Encoding, any coding
// but `chunked`, a missing or repeated Host, absolute-form, asterisk-form and CONNECT.
//
//   HeadScanner scan;
//   switch (scan.Feed(buffer)) { case HeadScanner::kComplete: ... }
//   auto head = ParseRequestHead(buffer.substr(0, scan.end()), limits);
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace bulwark::http {

struct Header {
  std::string name;   // as received
  std::string value;  // surrounding whitespace removed
};

struct RequestHead {
  std::string method;
  std::string target;  // origin-form, as received
  std::string path;    // target up to '?'
  std::string query;   // after '?', without it
  bool has_query = false;
  int version_minor = 1;
  std::vector<Header> headers;
  std::string host;
  std::optional<uint64_t> content_length;
  bool chunked = false;
  bool keep_alive = true;
  bool expect_continue = false;

  // First header named `name` (ASCII case-insensitive), or nullptr.
  const std::string* Find(std::string_view name) const;
};

struct HeadLimits {
  size_t max_head_bytes = 64 * 1024;
  size_t max_headers = 100;
  uint64_t max_body = 1 << 20;
};

// Why a request was refused: the status to answer (400, 413, 431 or 501) and a stable
// reason for logs and metrics. The connection is always closed after a ParseError.
struct ParseError {
  int status;
  std::string_view reason;
};

// Finds the end of the head ("\r\n\r\n") incrementally and refuses bare LF/CR and
// oversize heads before the block completes, so a hostile client cannot make us buffer.
class HeadScanner {
 public:
  enum Result { kNeedMore, kComplete, kError };
  explicit HeadScanner(size_t max_head_bytes = 64 * 1024) : max_(max_head_bytes) {}
  // `data` is the whole buffer so far (it only grows between calls).
  Result Feed(std::string_view data);
  size_t end() const { return end_; }  // bytes of the head, valid after kComplete
  ParseError error() const { return error_; }

 private:
  size_t max_;
  size_t pos_ = 0;
  size_t end_ = 0;
  ParseError error_{400, ""};
};

// Parses a complete head (including the final CRLFCRLF).
std::variant<RequestHead, ParseError> ParseRequestHead(std::string_view block,
                                                       const HeadLimits& limits);

bool IsTokenChar(char c);
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

}  // namespace bulwark::http
