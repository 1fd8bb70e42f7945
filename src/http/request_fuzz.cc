// libFuzzer target: the request head scanner, head parser, chunked decoder and path
// normaliser on arbitrary bytes. Invariants: no crash, no unbounded growth, and a parsed
// head's fields stay within the input.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "http/chunked.h"
#include "http/path.h"
#include "http/request_head.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  bulwark::http::HeadScanner scanner;
  if (scanner.Feed(input) == bulwark::http::HeadScanner::kComplete) {
    bulwark::http::HeadLimits limits;
    auto head = bulwark::http::ParseRequestHead(input.substr(0, scanner.end()), limits);
    if (auto* h = std::get_if<bulwark::http::RequestHead>(&head)) {
      if (h->target.size() > size) __builtin_trap();
      (void)bulwark::http::NormalizePath(h->path);
      if (h->chunked) {
        std::string body;
        bulwark::http::ChunkedDecoder decoder(1 << 16, &body);
        decoder.Feed(input.substr(scanner.end()));
        if (body.size() > size) __builtin_trap();
      }
    }
  }
  (void)bulwark::http::NormalizePath(input);
  return 0;
}
