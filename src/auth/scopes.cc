#include "auth/scopes.h"

#include <algorithm>

namespace bulwark::auth {

bool ScopeCovers(std::string_view granted, std::string_view wanted) {
  if (granted == "*" || granted == wanted) return true;
  if (granted.size() >= 3 && granted.substr(granted.size() - 2) == ":*") {
    std::string_view prefix = granted.substr(0, granted.size() - 1);  // "provider:"
    return wanted.size() > prefix.size() && wanted.substr(0, prefix.size()) == prefix;
  }
  return false;
}

std::vector<std::string> IntersectScopes(const std::vector<std::string>& wanted,
                                         const std::vector<std::string>& granted) {
  std::vector<std::string> out;
  auto add = [&out](const std::string& s) {
    if (std::find(out.begin(), out.end(), s) == out.end()) out.push_back(s);
  };
  for (const std::string& w : wanted) {
    for (const std::string& g : granted) {
      if (ScopeCovers(g, w)) {
        add(w);
        break;
      }
    }
  }
  for (const std::string& g : granted) {
    for (const std::string& w : wanted) {
      if (ScopeCovers(w, g)) {
        add(g);
        break;
      }
    }
  }
  return out;
}

std::string JoinScopes(const std::vector<std::string>& scopes) {
  std::string out;
  for (const std::string& s : scopes) {
    if (!out.empty()) out += ' ';
    out += s;
  }
  return out;
}

}  // namespace bulwark::auth
