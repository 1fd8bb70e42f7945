// File: audit_resource.h
// GET /admin/v1/audit (search, same filters as `bulwark audit search`: key, tenant,
// subject (the raw id, resolved to its pseudonym), subject_pseudonym, provider, status,
// since, until, limit) and
// GET /admin/v1/audit/verify (the chain check of `bulwark audit verify`), for the roles
// admin and auditor.
//
//   GET /admin/v1/audit?tenant=acme&status=403&since=24h&limit=100
//   -> {"data": [{"seq": 12, "kind": "request", ...}, ...], "error": null}
#pragma once

#include <string_view>

#include <nlohmann/json.hpp>

#include "absl/status/statusor.h"
#include "config/config.h"
#include "crypto/keys.h"
#include "http/query.h"
#include "storage/store.h"

namespace bulwark {

// `what` is "" (search) or "verify". InvalidArgument for a bad filter (the message says
// which), NotFound for an unknown sub-resource.
absl::StatusOr<nlohmann::json> AuditResource(const Config& config, const MasterKey& master,
                                             Store& store, std::string_view what,
                                             const http::QueryParams& query);

}  // namespace bulwark
