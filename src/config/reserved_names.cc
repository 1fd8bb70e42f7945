#include "config/reserved_names.h"

namespace bulwark {
namespace {

char LowerAscii(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

}  // namespace

bool IsReservedProviderName(std::string_view name) {
  for (std::string_view reserved : kReservedProviderNames) {
    if (reserved.size() != name.size()) continue;
    bool same = true;
    for (size_t i = 0; i < name.size() && same; ++i) same = LowerAscii(name[i]) == reserved[i];
    if (same) return true;
  }
  return false;
}

std::string ReservedProviderNamesText() {
  std::string out;
  for (std::string_view reserved : kReservedProviderNames) {
    if (!out.empty()) out += ", ";
    out += reserved;
  }
  return out;
}

}  // namespace bulwark
