// libFuzzer target: data minimisation must never crash, and whatever it accepts it must turn
// into valid JSON that is a part of the input (every kept member and element is the input's
// own, byte for byte where it was kept whole), minimal (minimising it again drops nothing)
// and bounded (never larger than the input).
//
// Input: the first line is the allow-list (comma-separated paths, as in a provider profile's
// allowed fields); the rest is the body. Without a newline a fixed allow-list is used.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "privacy/minimize.h"

namespace {

using Json = nlohmann::ordered_json;

// True when `part` can be obtained from `whole` by removing object members and emptying
// arrays (what minimisation does).
bool IsPartOf(const Json& part, const Json& whole) {
  if (part.type() != whole.type()) return false;
  if (part.is_object()) {
    for (auto it = part.begin(); it != part.end(); ++it) {
      auto found = whole.find(it.key());
      if (found == whole.end() || !IsPartOf(it.value(), *found)) return false;
    }
    return true;
  }
  if (part.is_array()) {
    if (part.empty()) return true;
    if (part.size() != whole.size()) return false;
    for (size_t i = 0; i < part.size(); ++i) {
      if (!IsPartOf(part[i], whole[i])) return false;
    }
    return true;
  }
  return part == whole;  // the same bytes parse to the same scalar
}

// The paths of `list`, as string_views into `storage`.
std::vector<std::string_view> SplitList(std::string_view list, std::vector<std::string>* storage) {
  storage->clear();
  size_t pos = 0;
  while (pos <= list.size() && storage->size() < 16) {
    size_t comma = list.find(',', pos);
    if (comma == std::string_view::npos) comma = list.size();
    storage->emplace_back(list.substr(pos, comma - pos));
    pos = comma + 1;
  }
  return std::vector<std::string_view>(storage->begin(), storage->end());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> storage;
  std::vector<std::string_view> allowed;
  std::string_view body = input;
  if (size_t newline = input.find('\n'); newline != std::string_view::npos && newline <= 512) {
    allowed = SplitList(input.substr(0, newline), &storage);
    body = input.substr(newline + 1);
  } else {
    allowed = {"video_inputs[].character",
               "video_inputs[].voice.input_text",
               "title",
               "variables.*.properties.content",
               "messages[].content",
               "dimension"};
  }
  auto out = bulwark::privacy::Minimize(body, allowed);
  if (!out.ok()) return 0;

  if (out->dropped_count == 0 && out->body != body) std::abort();  // byte for byte
  if (out->dropped.size() > out->dropped_count ||
      out->dropped.size() > bulwark::privacy::kMaxDroppedNames) {
    std::abort();
  }
  if (out->body.size() > body.size()) std::abort();
  const Json in_json = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  const Json out_json = Json::parse(out->body, nullptr, /*allow_exceptions=*/false);
  if (in_json.is_discarded() || out_json.is_discarded()) std::abort();
  // With duplicate keys both parses keep the last member, minimised on its own.
  if (!IsPartOf(out_json, in_json)) std::abort();
  auto again = bulwark::privacy::Minimize(out->body, allowed);
  if (!again.ok() || again->dropped_count != 0 || again->body != out->body) std::abort();
  return 0;
}
