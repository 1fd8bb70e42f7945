// File: incident.h
// Incident response (issue 7) shared by `bulwark incident freeze|thaw` and the admin API's
// /admin/v1/incidents, so both validate a selector and change the store exactly the same
// way. A selector is (scope, target): ("key", key id), ("tenant", name) or ("all", "*").
//
//   SuspensionRecord row{.scope = "key", .target = id, .reason = why, .actor = who};
//   absl::Status st = service::Freeze(store, row);   // NotFound: no such key
//   st = service::Thaw(store, "key", id);           // NotFound: not frozen
#pragma once

#include <string>

#include "absl/status/status.h"
#include "storage/store.h"

namespace bulwark::service {

// A key id or tenant name usable as a selector: 1-128 letters, digits, '-', '_' or '.'.
bool IsIncidentName(const std::string& name);

// How a selector is named in the audit log and messages: "key:ID", "tenant:T" or "all".
std::string IncidentTarget(const std::string& scope, const std::string& target);

// Writes the freeze row (its scope, target, reason and actor as given; created_at now)
// through the store's versioned transaction. NotFound when the scope is "key" and no
// such key exists.
absl::Status Freeze(Store& store, SuspensionRecord row);

// Lifts the freeze of (scope, target). NotFound when it is not frozen.
absl::Status Thaw(Store& store, const std::string& scope, const std::string& target);

}  // namespace bulwark::service
