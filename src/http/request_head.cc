#include "http/request_head.h"

#include <charconv>

namespace bulwark::http {
namespace {

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

bool IsFieldValueChar(unsigned char c) {
  // VCHAR, obs-text, SP and HTAB; everything else (NUL, CR, LF, other controls, DEL) is out.
  return c == '\t' || c == ' ' || (c >= 0x21 && c != 0x7f);
}

bool IsTargetChar(unsigned char c) { return c >= 0x21 && c <= 0x7e; }

bool IsValidHost(std::string_view host) {
  if (host.empty() || host.size() > 255) return false;
  for (char c : host) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '.' || c == ':' || c == '[' || c == ']' || c == '_' || c == '~' ||
              c == '%';
    if (!ok) return false;
  }
  return true;
}

std::string_view TrimOws(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  return v;
}

ParseError Bad(std::string_view reason) { return {400, reason}; }

bool HasConnectionToken(std::string_view value, std::string_view token) {
  while (!value.empty()) {
    size_t comma = value.find(',');
    if (EqualsIgnoreCase(TrimOws(value.substr(0, comma)), token)) return true;
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return false;
}

}  // namespace

bool IsTokenChar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~':
      return true;
    default:
      return false;
  }
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (Lower(a[i]) != Lower(b[i])) return false;
  }
  return true;
}

const std::string* RequestHead::Find(std::string_view name) const {
  for (const Header& h : headers) {
    if (EqualsIgnoreCase(h.name, name)) return &h.value;
  }
  return nullptr;
}

HeadScanner::Result HeadScanner::Feed(std::string_view data) {
  for (; pos_ < data.size(); ++pos_) {
    char c = data[pos_];
    if (c == '\n') {
      if (pos_ == 0 || data[pos_ - 1] != '\r') {
        error_ = Bad("bare_lf");
        return kError;
      }
      if (pos_ >= 3 && data[pos_ - 2] == '\n' && data[pos_ - 3] == '\r') {
        end_ = pos_ + 1;
        return kComplete;
      }
    } else if (pos_ > 0 && data[pos_ - 1] == '\r') {
      error_ = Bad("bare_cr");
      return kError;
    }
    if (pos_ + 1 > max_) {
      error_ = {431, "head_too_large"};
      return kError;
    }
  }
  return kNeedMore;
}

std::variant<RequestHead, ParseError> ParseRequestHead(std::string_view block,
                                                       const HeadLimits& limits) {
  if (block.size() > limits.max_head_bytes) return ParseError{431, "head_too_large"};
  if (block.size() < 4 || block.substr(block.size() - 4) != "\r\n\r\n") {
    return Bad("incomplete_head");
  }
  RequestHead head;
  std::string_view rest = block.substr(0, block.size() - 2);  // keep each line's CRLF

  // Request line: method SP target SP HTTP/1.x CRLF, single spaces only.
  size_t eol = rest.find("\r\n");
  std::string_view line = rest.substr(0, eol);
  rest.remove_prefix(eol + 2);
  size_t sp1 = line.find(' ');
  if (sp1 == std::string_view::npos || sp1 == 0) return Bad("bad_request_line");
  size_t sp2 = line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || sp2 == sp1 + 1) return Bad("bad_request_line");
  std::string_view method = line.substr(0, sp1);
  std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  std::string_view version = line.substr(sp2 + 1);
  for (char c : method) {
    if (!IsTokenChar(c)) return Bad("bad_method");
  }
  if (method.size() > 32) return Bad("bad_method");
  if (version == "HTTP/1.1") {
    head.version_minor = 1;
  } else if (version == "HTTP/1.0") {
    head.version_minor = 0;
    head.keep_alive = false;
  } else {
    return Bad("bad_version");
  }
  if (method == "CONNECT") return Bad("connect_refused");
  if (target.empty() || target.front() != '/') return Bad("target_not_origin_form");
  for (char c : target) {
    if (!IsTargetChar(static_cast<unsigned char>(c))) return Bad("bad_target");
  }
  if (target.find('#') != std::string_view::npos) return Bad("bad_target");
  head.method = std::string(method);
  head.target = std::string(target);
  size_t q = target.find('?');
  head.path = std::string(target.substr(0, q));
  if (q != std::string_view::npos) {
    head.has_query = true;
    head.query = std::string(target.substr(q + 1));
  }

  // Header fields.
  int host_count = 0, cl_count = 0, te_count = 0;
  while (!rest.empty()) {
    eol = rest.find("\r\n");
    line = rest.substr(0, eol);
    rest.remove_prefix(eol + 2);
    if (line.empty()) return Bad("bad_header");
    if (line.front() == ' ' || line.front() == '\t') return Bad("obs_fold");
    if (head.headers.size() >= limits.max_headers) return ParseError{431, "too_many_headers"};
    size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) return Bad("bad_header");
    std::string_view name = line.substr(0, colon);
    for (char c : name) {
      if (!IsTokenChar(c) || c == '_') return Bad("bad_header_name");
    }
    std::string_view raw_value = line.substr(colon + 1);
    for (char c : raw_value) {
      if (!IsFieldValueChar(static_cast<unsigned char>(c))) return Bad("bad_header_value");
    }
    std::string_view value = TrimOws(raw_value);

    if (EqualsIgnoreCase(name, "host")) {
      if (++host_count > 1) return Bad("duplicate_host");
      if (!IsValidHost(value)) return Bad("bad_host");
      head.host = std::string(value);
    } else if (EqualsIgnoreCase(name, "content-length")) {
      if (++cl_count > 1) return Bad("duplicate_content_length");
      uint64_t n = 0;
      if (value.empty() || value.size() > 19) return Bad("bad_content_length");
      for (char c : value) {
        if (c < '0' || c > '9') return Bad("bad_content_length");
      }
      std::from_chars(value.data(), value.data() + value.size(), n);
      head.content_length = n;
    } else if (EqualsIgnoreCase(name, "transfer-encoding")) {
      if (++te_count > 1) return Bad("duplicate_transfer_encoding");
      if (!EqualsIgnoreCase(value, "chunked")) return Bad("unsupported_transfer_encoding");
      head.chunked = true;
    } else if (EqualsIgnoreCase(name, "connection")) {
      if (HasConnectionToken(value, "close")) head.keep_alive = false;
      if (head.version_minor == 0 && HasConnectionToken(value, "keep-alive")) {
        head.keep_alive = true;
      }
    } else if (EqualsIgnoreCase(name, "expect")) {
      if (!EqualsIgnoreCase(value, "100-continue")) return Bad("bad_expect");
      head.expect_continue = true;
    }
    head.headers.push_back({std::string(name), std::string(value)});
  }
  if (host_count == 0) return Bad("missing_host");
  if (cl_count > 0 && te_count > 0) return Bad("content_length_with_transfer_encoding");
  if (head.chunked && head.version_minor == 0) return Bad("chunked_in_http10");
  if (head.content_length && *head.content_length > limits.max_body) {
    return ParseError{413, "body_too_large"};
  }
  return head;
}

}  // namespace bulwark::http
