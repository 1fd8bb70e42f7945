// File: processing.h
// Records of processing (GDPR Article 30 view) from the audit log: per vendor and purpose,
// which PII types were sent as they were, redacted, pseudonymised or blocked, with counts.
//
// What is counted: the durable decision record written before a request leaves
// (decision "allowed": its PII went out with the recorded per-type action) and requests
// refused by the PII policy (reason "pii_blocked": their blocked types never left). The
// outcome records written after the vendor answered repeat the same request and are not
// counted again. Per-type actions come from `pii_action` ("EMAIL=redact,PERSON=allow"); a
// record holding only the provider-wide mode ("redact") applies it to every type.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "audit/audit.h"

namespace bulwark::subjects {

// {"since", "until", "requests": N, "processing": [{"provider", "purpose", "requests",
//  "pii": {TYPE: {"sent", "redacted", "pseudonymised", "blocked"}}}]}, sorted by provider
// and purpose. A request without X-Bulwark-Purpose is grouped under purpose "".
nlohmann::json ProcessingReport(const std::vector<audit::Record>& records, int64_t since_ms,
                                int64_t until_ms);

// The same report as an aligned, human-readable table.
std::string ProcessingTable(const nlohmann::json& report);

}  // namespace bulwark::subjects
