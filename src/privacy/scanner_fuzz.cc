// libFuzzer target: Scan must never crash, must return sorted, non-overlapping, in-range
// findings, and Rewrite must never read outside the input.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "privacy/rewrite.h"
#include "privacy/scanner.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bulwark::privacy::Scanner* const scanner =
      bulwark::privacy::Scanner::Create()->release();
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto findings = scanner->Scan(text);
  if (!findings.ok()) {
    std::abort();
  }
  size_t last_end = 0;
  for (const auto& f : *findings) {
    if (f.start < last_end || f.end <= f.start || f.end > size) {
      std::abort();
    }
    last_end = f.end;
  }
  bulwark::privacy::Policy policy;
  policy.default_action = bulwark::privacy::Action::kPseudonymize;
  bulwark::privacy::Pseudonymizer pseudonyms;
  const auto out = bulwark::privacy::Rewrite(text, *findings, policy, &pseudonyms);
  if (pseudonyms.Restore(out.text) != text && findings->empty()) {
    std::abort();
  }
  return 0;
}
