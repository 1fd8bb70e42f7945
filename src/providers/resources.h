// File: resources.h
// Vendor objects that belong to whoever created them (OWASP API1, broken object-level
// authorisation). Declared as data per profile and operation: which operations create an
// object (and where the vendor's answer carries its id), which operations name an existing
// object (and where the request carries the id), and which list objects (and where the
// answer's array and each item's id are).
//
//   ResourceRules rules(*FindProfile("heygen"));  // once per provider, at (re)load
//   for (const ResourceRule* rule : rules.For(op)) ...  // per request: no allocation
//   // for "video.status": rule->role == ResourceRole::kUses, rule->kind == "video",
//   // rule->request_id == {kQuery, "video_id"}
#pragma once

#include <span>
#include <string_view>
#include <vector>

#include "providers/profile.h"

namespace bulwark {

enum class ResourceRole {
  kCreates,  // a 2xx answer carries the new object's id (response_ids)
  kUses,     // the request names one object (request_id); other tenants get 404
  kLists,    // the answer lists objects (list_array, item_id); filtered to the caller's own
};

struct RequestIdLocation {
  enum Where { kQuery, kPathSegment } where = kQuery;
  std::string_view query_param;  // kQuery: the parameter's name
  int segment = 0;               // kPathSegment: index in the path after the provider prefix
};

struct ResourceRule {
  std::string_view profile;
  std::string_view operation;
  ResourceRole role;
  std::string_view kind;  // object kind, e.g. "video"; ids are unique per provider and kind
  // kCreates: JSON pointers tried in order in the vendor's answer.
  std::vector<std::string_view> response_ids;
  RequestIdLocation request_id;  // kUses
  std::string_view list_array;   // kLists: JSON pointer to the array
  std::string_view item_id;      // kLists: the id member of each item
};

// The rules for one operation of a profile (several when an operation name covers more
// than one path shape, e.g. the v1 and v3 HeyGen APIs); empty when it owns nothing. Scans
// the table and allocates: for resolution at start-up and reload (ResourceRules), not per
// request.
std::vector<const ResourceRule*> FindResourceRules(std::string_view profile,
                                                   std::string_view operation);

// Every operation's rules for one profile, resolved once. The gateway keeps one per
// configured provider, in its route (pipeline/context.h ProviderRoute), so a configuration
// reload that rebuilds the routes rebuilds these with them. Immutable once built; safe to
// read from any thread.
class ResourceRules {
 public:
  ResourceRules() = default;  // resolved for no profile: ResolvedFor() is false
  explicit ResourceRules(const Profile& profile);

  // True when built for `profile`. The ownership stage refuses (fails closed) for a
  // route whose rules were not resolved, rather than letting every object through.
  bool ResolvedFor(const Profile& profile) const { return profile_ == &profile; }

  // The rules of `operation`, which must be one of the profile's own operations (a
  // pointer into Profile::operations, as MatchOperation returns); empty for nullptr or any
  // other pointer. No allocation, no scan: an index into a table built at construction.
  std::span<const ResourceRule* const> For(const Operation* operation) const;

 private:
  const Profile* profile_ = nullptr;
  std::vector<std::vector<const ResourceRule*>> by_operation_;  // Profile::operations order
};

}  // namespace bulwark
