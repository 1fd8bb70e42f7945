#include "http/chunked.h"

#include <algorithm>

#include "http/query.h"

namespace bulwark::http {
namespace {

constexpr size_t kMaxLine = 4096;  // a size line with extensions, or one trailer field
constexpr size_t kMaxTrailers = 32;
constexpr size_t kMaxTrailerBytes = 16 * 1024;

}  // namespace

ChunkedDecoder::Result ChunkedDecoder::Fail(int status, std::string_view reason) {
  state_ = kFailed;
  error_ = {status, reason};
  return kError;
}

bool ChunkedDecoder::ParseSizeLine(std::string_view line) {
  size_t i = 0;
  uint64_t size = 0;
  while (i < line.size() && HexDigitValue(line[i]) >= 0) {
    if (i >= 16) return false;
    size = size * 16 + static_cast<uint64_t>(HexDigitValue(line[i]));
    ++i;
  }
  if (i == 0) return false;
  // Optional extensions: ;name[=value] with token or quoted characters; we only check
  // that they hold no control bytes, then ignore them.
  std::string_view ext = line.substr(i);
  while (!ext.empty() && (ext.front() == ' ' || ext.front() == '\t')) ext.remove_prefix(1);
  if (!ext.empty() && ext.front() != ';') return false;
  for (char c : ext) {
    auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\t') || u == 0x7f) return false;
  }
  remaining_ = size;
  return true;
}

ChunkedDecoder::Result ChunkedDecoder::Feed(std::string_view data) {
  consumed_ = 0;
  size_t i = 0;
  while (i < data.size()) {
    switch (state_) {
      case kSize:
      case kTrailer: {
        char c = data[i++];
        if (c == '\n') {
          if (line_.empty() || line_.back() != '\r') return Fail(400, "chunk_bare_lf");
          line_.pop_back();
          if (state_ == kSize) {
            if (!ParseSizeLine(line_)) return Fail(400, "bad_chunk_size");
            line_.clear();
            if (remaining_ == 0) {
              state_ = kTrailer;
            } else {
              if (remaining_ > max_body_ || body_->size() > max_body_ - remaining_) {
                return Fail(413, "body_too_large");
              }
              state_ = kData;
            }
          } else {
            if (line_.empty()) {
              state_ = kFinished;
              consumed_ = i;
              return kDone;
            }
            // A trailer field: validated like a header, then dropped.
            size_t colon = line_.find(':');
            if (colon == std::string::npos || colon == 0) return Fail(400, "bad_trailer");
            for (size_t k = 0; k < colon; ++k) {
              if (!IsTokenChar(line_[k]) || line_[k] == '_') return Fail(400, "bad_trailer");
            }
            for (size_t k = colon + 1; k < line_.size(); ++k) {
              auto u = static_cast<unsigned char>(line_[k]);
              if ((u < 0x20 && u != '\t') || u == 0x7f) return Fail(400, "bad_trailer");
            }
            trailer_bytes_ += line_.size();
            if (++trailers_ > kMaxTrailers || trailer_bytes_ > kMaxTrailerBytes) {
              return Fail(431, "trailers_too_large");
            }
            line_.clear();
          }
        } else {
          if (!line_.empty() && line_.back() == '\r') return Fail(400, "chunk_bare_cr");
          if (c == '\0') return Fail(400, "chunk_nul");
          line_.push_back(c);
          if (line_.size() > kMaxLine) return Fail(400, "chunk_line_too_long");
        }
        break;
      }
      case kData: {
        size_t n = static_cast<size_t>(std::min<uint64_t>(remaining_, data.size() - i));
        body_->append(data.data() + i, n);
        i += n;
        remaining_ -= n;
        if (remaining_ == 0) state_ = kDataCr;
        break;
      }
      case kDataCr:
        if (data[i++] != '\r') return Fail(400, "bad_chunk_terminator");
        state_ = kDataLf;
        break;
      case kDataLf:
        if (data[i++] != '\n') return Fail(400, "bad_chunk_terminator");
        state_ = kSize;
        break;
      case kFinished:
        consumed_ = i;
        return kDone;
      case kFailed:
        return kError;
    }
  }
  consumed_ = i;
  return kNeedMore;
}

}  // namespace bulwark::http
