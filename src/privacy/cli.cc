#include "privacy/cli.h"

#include <iostream>
#include <iterator>
#include <sstream>
#include <string>

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

}  // namespace

int RunScanCommand(std::istream& in, std::ostream& out, std::ostream& err) {
  std::string text;
  if (!ReadAll(in, &text)) {
    err << "bulwark scan: cannot read standard input\n";
    return 2;
  }
  const Scanner* scanner = DefaultScanner(err);
  if (scanner == nullptr) {
    return 2;
  }
  auto findings = scanner->Scan(text);
  if (!findings.ok()) {
    err << "bulwark scan: " << findings.status().message() << "\n";
    return 2;
  }
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
  if (!ReadAll(in, &text)) {
    err << "bulwark redact: cannot read standard input\n";
    return 2;
  }
  const Scanner* scanner = DefaultScanner(err);
  if (scanner == nullptr) {
    return 2;
  }
  auto findings = scanner->Scan(text);
  if (!findings.ok()) {
    err << "bulwark redact: " << findings.status().message() << "\n";
    return 2;
  }
  const RewriteResult result = Rewrite(text, *findings, Policy{}, nullptr);
  out << result.text;
  out.flush();
  return 0;
}

}  // namespace bulwark::privacy
