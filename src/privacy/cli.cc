#include "privacy/cli.h"

#include <iostream>
#include <iterator>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "privacy/rewrite.h"
#include "privacy/scanner.h"

namespace bulwark::privacy {
namespace {

bool ReadAll(std::istream& in, std::string* text) {
  std::ostringstream buffer;
  buffer << in.rdbuf();
  *text = std::move(buffer).str();
  return !in.bad();
}

const Scanner* DefaultScanner(std::ostream& err) {
  static const auto* const scanner = [] {
    auto created = Scanner::Create();
    return new absl::StatusOr<std::unique_ptr<Scanner>>(std::move(created));
  }();
  if (!scanner->ok()) {
    err << "bulwark: " << scanner->status().message() << "\n";
    return nullptr;
  }
  return scanner->value().get();
}

// Reads stdin and scans it; on failure prints "bulwark COMMAND: reason" and returns nullopt.
std::optional<std::vector<Finding>> ReadAndScan(std::string_view command, std::istream& in,
                                                std::ostream& err, std::string* text) {
  if (!ReadAll(in, text)) {
    err << "bulwark " << command << ": cannot read standard input\n";
    return std::nullopt;
  }
  const Scanner* scanner = DefaultScanner(err);
  if (scanner == nullptr) return std::nullopt;
  auto findings = scanner->Scan(*text);
  if (!findings.ok()) {
    err << "bulwark " << command << ": " << findings.status().message() << "\n";
    return std::nullopt;
  }
  return std::move(*findings);
}

}  // namespace

int RunScanCommand(std::istream& in, std::ostream& out, std::ostream& err) {
  std::string text;
  auto findings = ReadAndScan("scan", in, err, &text);
  if (!findings) return 2;
  for (const Finding& f : *findings) {
    nlohmann::ordered_json line = {
        {"type", PiiTypeName(f.type)},
        {"start", f.start},
        {"end", f.end},
        {"text", text.substr(f.start, f.end - f.start)},
    };
    out << line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  }
  out.flush();
  return 0;
}

int RunRedactCommand(std::istream& in, std::ostream& out, std::ostream& err) {
  std::string text;
  auto findings = ReadAndScan("redact", in, err, &text);
  if (!findings) return 2;
  const RewriteResult result = Rewrite(text, *findings, Policy{}, nullptr);
  out << result.text;
  out.flush();
  return 0;
}

}  // namespace bulwark::privacy
