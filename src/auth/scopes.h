// File: scopes.h
// Scope arithmetic for tokens: `provider:operation`, `provider:*` and `*` (CONTRACT.md 2).
//
//   IntersectScopes({"heygen:*"}, {"heygen:video.generate", "writesonic:*"})
//     == {"heygen:video.generate"}
//
// A token never gets more than its grant: the intersection keeps each wanted scope that
// a granted scope covers, and each granted scope that a wanted wildcard covers.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace bulwark::auth {

// True when `granted` allows everything `wanted` allows.
bool ScopeCovers(std::string_view granted, std::string_view wanted);

// The scopes allowed by both lists (no duplicates, in `wanted` order, then `granted` order).
std::vector<std::string> IntersectScopes(const std::vector<std::string>& wanted,
                                         const std::vector<std::string>& granted);

// Space-separated, as in the OAuth2 `scope` parameter.
std::string JoinScopes(const std::vector<std::string>& scopes);

}  // namespace bulwark::auth
