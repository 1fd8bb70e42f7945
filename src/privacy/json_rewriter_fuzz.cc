// libFuzzer target: JsonRewriter must never crash, and whatever it accepts it must turn
// into valid JSON (checked with nlohmann) of the same shape.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include <nlohmann/json.hpp>

#include "privacy/json_rewriter.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bulwark::privacy::Scanner* const scanner =
      bulwark::privacy::Scanner::Create()->release();
  static const bulwark::privacy::JsonRewriter rewriter;
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  bulwark::privacy::Pseudonymizer pseudonyms;
  bulwark::privacy::Policy policy;
  policy.default_action = bulwark::privacy::Action::kPseudonymize;
  auto out = rewriter.Rewrite(body, *scanner, policy, &pseudonyms);
  if (!out.ok()) {
    return 0;
  }
  const auto in_json = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  const auto out_json = nlohmann::json::parse(out->body, nullptr, false);
  if (!in_json.is_discarded() && (out_json.is_discarded() || out_json.type() != in_json.type() ||
                                  out_json.size() != in_json.size())) {
    std::abort();
  }
  return 0;
}
