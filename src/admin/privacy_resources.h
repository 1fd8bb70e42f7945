// File: privacy_resources.h
// The admin API's consent and data-subject resources (CONTRACT.md section 5, issue 6).
//
//   GET    /admin/v1/consents?subject=ID              the subject's consents (live and revoked)
//   POST   /admin/v1/consents                         grant: {"subject", "purpose",
//                                                     "provider"?, "evidence"?} -> 201
//   POST   /admin/v1/consents/revoke                  revoke: {"subject", "purpose", "provider"?}
//   DELETE /admin/v1/consents?subject=ID&purpose=P[&provider=X]   revoke (same effect)
//   GET    /admin/v1/subjects/{id}                    export {"subject", "consents", "audit",
//                                                     "payloads", "resources"}
//   DELETE /admin/v1/subjects/{id}                    erase (crypto-shredding)
//
// Roles: `admin` and `privacy` may do everything here; `auditor` may read consents but not
// export a subject (an export holds the decrypted payloads). Grants, revocations and
// erasures are reported through `changed` (audited with the token id as actor; the target
// names the subject by pseudonym, never by raw id). The POST revoke form keeps subject
// ids out of URLs (and so out of proxies' logs).
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "crypto/keys.h"
#include "http/message.h"
#include "storage/store.h"

namespace bulwark {

using AdminChanged = std::function<void(const std::string& action, const std::string& target)>;

// `segments` is the path split on '/' (admin, v1, consents|subjects, ...).
http::Response PrivacyResource(const http::Request& request,
                               const std::vector<std::string_view>& segments,
                               const std::string& role, const std::string& request_id, Store& store,
                               const MasterKey& master, const Config& config,
                               const AdminChanged& changed);

}  // namespace bulwark
