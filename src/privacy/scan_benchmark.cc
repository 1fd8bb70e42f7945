// Scan throughput on 2 KB and 1 MB texts, without PII and with dense PII.
// Targets (issue 5): >= 1 GB/s per core on clean text, >= 300 MB/s with dense PII.
#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "privacy/labelled_corpus.h"
#include "privacy/scanner.h"

namespace bulwark::privacy {
namespace {

// Marketing and support prose with numbers, versions, prices and times but no PII.
constexpr std::string_view kClean =
    "Welcome to the spring launch of our video studio. In this 45 second clip the avatar walks "
    "through three new features: faster rendering, custom backgrounds and multilingual voices. "
    "Version 3.12.4 ships today for $29.99 per month, and teams of 10 or more save 15% until "
    "2025-06-30. Rendering a 1080p video now takes about 2 minutes instead of 6, and exports "
    "support 16:9, 9:16 and 1:1 formats at 30 fps. Our support team answers within 24 hours on "
    "weekdays, and the help centre has over 120 articles covering scripts, scenes and "
    "templates. Thanks for building with us, and see the changelog for build 20250114.2 notes. ";

// One line with an email, phone, card, IBAN, SSN, IP, key and name every ~300 bytes.
constexpr std::string_view kDense =
    "Dear Sarah Johnson, email sarah.johnson@example.com or call +1 415-555-2671; card 4111 1111 "
    "1111 1111, IBAN DE89 3704 0044 0532 0130 00, SSN 536-22-1234, from 203.0.113.42 with key "
    "AKIAIOSFODNN7EXAMPLE and token ghp_16C7e42F292c6912E7710c838347Ae178B4a, born 03/15/1985. ";

// The labelled corpus (src/privacy/testdata, dev and held-out) with its "[[TYPE|value]]"
// markup stripped: support emails, briefs, scripts, prompts and JSON bodies as written,
// with a finding about every 100 bytes and the hard negatives between them.
std::string CorpusText() {
  std::string text;
  for (const char* part : {"dev", "heldout"}) {
    for (const LabelledText& file :
         LoadLabelled(std::filesystem::path(BULWARK_PRIVACY_TESTDATA) / part)) {
      text += file.text;
      text += "\n";
    }
  }
  return text;
}

std::string Repeat(std::string_view unit, size_t size) {
  std::string text;
  text.reserve(size + unit.size());
  while (text.size() < size) {
    text.append(unit);
  }
  text.resize(size);
  return text;
}

// The dense text again, but with phone numbers the scanner has never seen (`epoch`
// varies them), so nothing is answered from its memory of phone verdicts: the cost of
// first sight: PhoneValidator for every phone number.
std::string DenseDistinct(size_t size, unsigned epoch) {
  std::string text;
  text.reserve(size + 512);
  for (unsigned i = 0; text.size() < size; ++i) {
    const unsigned serial = epoch * 4099 + i;
    text += "Dear Sarah Johnson, email sarah.johnson@example.com or call +1 415-" +
            std::to_string(200 + serial / 9000 % 700) + "-" + std::to_string(1000 + serial % 9000) +
            "; card 4111 1111 1111 1111, IBAN DE89 3704 0044 0532 0130 00, SSN 536-22-1234, "
            "from 203.0.113.42 with key AKIAIOSFODNN7EXAMPLE and token "
            "ghp_16C7e42F292c6912E7710c838347Ae178B4a, born 03/15/1985. ";
  }
  text.resize(size);
  return text;
}

const Scanner& TheScanner() {
  static const Scanner* const scanner = Scanner::Create()->release();
  return *scanner;
}

void BM_Scan(benchmark::State& state, std::string_view unit) {
  const std::string text = Repeat(unit, static_cast<size_t>(state.range(0)));
  const Scanner& scanner = TheScanner();
  size_t findings = 0;
  for (auto _ : state) {
    auto result = scanner.Scan(text);
    benchmark::DoNotOptimize(result);
    findings = result->size();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
  state.counters["findings"] = static_cast<double>(findings);
}

BENCHMARK_CAPTURE(BM_Scan, clean, kClean)->Arg(2 << 10)->Arg(1 << 20);
BENCHMARK_CAPTURE(BM_Scan, dense_pii, kDense)->Arg(2 << 10)->Arg(1 << 20);
BENCHMARK_CAPTURE(BM_Scan, corpus, std::string_view(*new std::string(CorpusText())))
    ->Arg(2 << 10)
    ->Arg(1 << 20);

void BM_ScanDistinct(benchmark::State& state) {
  const auto size = static_cast<size_t>(state.range(0));
  const Scanner& scanner = TheScanner();
  size_t findings = 0;
  unsigned epoch = 0;
  for (auto _ : state) {
    state.PauseTiming();
    const std::string text = DenseDistinct(size, ++epoch);
    state.ResumeTiming();
    auto result = scanner.Scan(text);
    benchmark::DoNotOptimize(result);
    findings = result->size();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
  state.counters["findings"] = static_cast<double>(findings);
}
BENCHMARK(BM_ScanDistinct)->Arg(2 << 10)->Arg(64 << 10);

}  // namespace
}  // namespace bulwark::privacy
