// Benchmarks the strict request-head path every request takes: HeadScanner finds the end
// of the block, ParseRequestHead validates and splits it. The input is a typical ~600-byte
// head of an SDK call (a HeyGen video.generate POST through the gateway).
#include <string>
#include <string_view>
#include <variant>

#include <benchmark/benchmark.h>

#include "http/chunked.h"
#include "http/request_head.h"

namespace {

std::string TypicalHead() {
  std::string head =
      "POST /heygen/v2/video/generate HTTP/1.1\r\n"
      "Host: gateway.internal.example.com:8080\r\n"
      "User-Agent: heygen-python-sdk/1.4.2 python-requests/2.31.0 CPython/3.11.6\r\n"
      "Accept: application/json\r\n"
      "Accept-Encoding: gzip, deflate\r\n"
      "Connection: keep-alive\r\n"
      "Content-Type: application/json\r\n"
      "Content-Length: 2048\r\n"
      "Authorization: Bearer bwk_live_3q9Zt7sKx2Lm4Np8Rv6Wy1Bc5Df0Gh3Jk7Mn9Pq2St4Vw6Xz8\r\n"
      "X-Bulwark-Subject: customer-7f3a9c21\r\n"
      "X-Bulwark-Purpose: personalized_video\r\n"
      "Idempotency-Key: 6b1f2c9e-8d4a-4e7b-9a3c-1f5d7e9b2a4c\r\n"
      "Traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\r\n"
      "X-Forwarded-For: 10.20.30.40\r\n"
      "Cookie: session=abcdefghijklmnopqrstuvwxyz0123456789\r\n"
      "\r\n";
  return head;
}

void BM_HeadScanner(benchmark::State& state) {
  const std::string head = TypicalHead();
  for (auto _ : state) {
    bulwark::http::HeadScanner scanner;
    auto r = scanner.Feed(head);
    benchmark::DoNotOptimize(r);
    benchmark::DoNotOptimize(scanner.end());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * head.size()));
  state.SetLabel(std::to_string(head.size()) + " B head");
}
BENCHMARK(BM_HeadScanner);

void BM_ParseRequestHead(benchmark::State& state) {
  const std::string head = TypicalHead();
  bulwark::http::HeadLimits limits;
  for (auto _ : state) {
    auto parsed = bulwark::http::ParseRequestHead(head, limits);
    if (!std::holds_alternative<bulwark::http::RequestHead>(parsed)) {
      state.SkipWithError("head refused");
      break;
    }
    benchmark::DoNotOptimize(parsed);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * head.size()));
}
BENCHMARK(BM_ParseRequestHead);

// What the server does per request: scan, then parse the completed block.
void BM_ScanAndParse(benchmark::State& state) {
  const std::string head = TypicalHead();
  bulwark::http::HeadLimits limits;
  for (auto _ : state) {
    bulwark::http::HeadScanner scanner;
    if (scanner.Feed(head) != bulwark::http::HeadScanner::kComplete) {
      state.SkipWithError("scanner did not complete");
      break;
    }
    auto parsed =
        bulwark::http::ParseRequestHead(std::string_view(head).substr(0, scanner.end()), limits);
    benchmark::DoNotOptimize(parsed);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * head.size()));
}
BENCHMARK(BM_ScanAndParse);

// A 2 KiB body in 512-byte chunks through the chunked decoder.
void BM_ChunkedDecode2K(benchmark::State& state) {
  std::string wire;
  const std::string chunk(512, 'x');
  for (int i = 0; i < 4; ++i) wire += "200\r\n" + chunk + "\r\n";
  wire += "0\r\n\r\n";
  for (auto _ : state) {
    std::string body;
    bulwark::http::ChunkedDecoder decoder(1 << 20, &body);
    auto r = decoder.Feed(wire);
    benchmark::DoNotOptimize(r);
    benchmark::DoNotOptimize(body.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * wire.size()));
}
BENCHMARK(BM_ChunkedDecode2K);

}  // namespace
