// File: usage.h
// The usage view (issue 4) shared by `bulwark keys show` and GET /admin/v1/usage: what a
// key or tenant has used in the current UTC day and month, per unit, as stored by the
// gateways' usage ledgers (flushed every 500 ms, so at most about a second behind).
#pragma once

#include <chrono>
#include <string>

#include <nlohmann/json.hpp>

#include "absl/status/statusor.h"
#include "storage/store.h"

namespace bulwark::service {

// {"day": {"period": "2026-11-25", "requests": 3, "video_seconds": 40},
//  "month": {"period": "2026-11", "requests": 9}}   (units absent = 0; requests always shown)
// Credits are a decimal string with two decimals, exact: "credits": "1.50".
absl::StatusOr<nlohmann::json> UsageOf(Store& store, const std::string& scope,
                                       const std::string& id,
                                       std::chrono::system_clock::time_point now);

// {"day": "2026-11-25", "month": "2026-11",
//  "keys": [{"id", "tenant"?, "day": {...}, "month": {...}}...], "tenants": [...]}
// `scope`/`id` narrow it ("" = all).
absl::StatusOr<nlohmann::json> UsageReport(Store& store, const std::string& scope,
                                           const std::string& id,
                                           std::chrono::system_clock::time_point now);

}  // namespace bulwark::service
