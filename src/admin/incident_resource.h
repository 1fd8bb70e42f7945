// File: incident_resource.h
// The admin API's incident-response resource (issue 7), the equivalent of
// `bulwark incident freeze|thaw|list`:
//
//   GET  /admin/v1/incidents          the freezes and throttles in force (admin, auditor)
//   POST /admin/v1/incidents/freeze   {"key": ID} | {"tenant": T} | {"all": true},
//                                     optional "reason" (admin)
//   POST /admin/v1/incidents/thaw     the same selectors (admin); 404 when not frozen
//
// Changes go through the store's versioned transaction (every node within 1 s) and are
// reported through `changed` (audited with the token id as actor).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "admin/privacy_resources.h"  // AdminChanged
#include "http/message.h"
#include "storage/store.h"

namespace bulwark {

http::Response IncidentResource(const http::Request& request,
                                const std::vector<std::string_view>& segments,
                                const std::string& role, const std::string& token_id,
                                const std::string& request_id, Store& store,
                                const AdminChanged& changed);

}  // namespace bulwark
