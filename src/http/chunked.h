// File: chunked.h
// Incremental, strict decoder for `Transfer-Encoding: chunked` request bodies.
//
// Chunk sizes are 1-16 hex digits; lines end in CRLF exactly (a bare LF is an error);
// extensions and trailers are bounded and discarded. The decoded body may not exceed
// `max_body` (413). Memory stays proportional to the decoded body: nothing is buffered
// beyond one line of framing.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "http/request_head.h"

namespace bulwark::http {

class ChunkedDecoder {
 public:
  enum Result { kNeedMore, kDone, kError };

  ChunkedDecoder(uint64_t max_body, std::string* body) : max_body_(max_body), body_(body) {}

  // Consumes as much of `data` as possible, appending payload to the body. Returns kDone
  // once the last chunk and trailers are read; `consumed()` then tells how many bytes of
  // the final call belonged to the body (the rest is the next request, if pipelined).
  Result Feed(std::string_view data);
  size_t consumed() const { return consumed_; }
  ParseError error() const { return error_; }

 private:
  enum State { kSize, kData, kDataCr, kDataLf, kTrailer, kFinished, kFailed };
  Result Fail(int status, std::string_view reason);
  bool ParseSizeLine(std::string_view line);

  uint64_t max_body_;
  std::string* body_;
  State state_ = kSize;
  std::string line_;  // partial framing line (size line or trailer)
  uint64_t remaining_ = 0;
  size_t trailers_ = 0;
  size_t trailer_bytes_ = 0;
  size_t consumed_ = 0;
  ParseError error_{400, ""};
};

}  // namespace bulwark::http
