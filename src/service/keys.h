// File: keys.h
// Client-key and vendor-secret operations shared by the CLI and the admin API, so both
// validate and store exactly the same way. Every function validates its input first and
// returns InvalidArgument with a message naming the bad value.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/status/statusor.h"
#include "base/secret.h"
#include "crypto/keys.h"
#include "storage/store.h"

namespace bulwark::service {

struct NewKey {
  std::string name;
  std::string tenant = "default";
  std::vector<std::string> scopes, allow_ips, rates;
  std::vector<std::string> quotas;  // "100/d", "video_seconds:600/mo" (issue 4)
  std::string expires_in;           // duration, "" = never
};

struct IssuedKey {
  std::string id;
  std::string key;  // shown once
};

absl::StatusOr<IssuedKey> CreateKey(Store& store, const MasterKey& master, const NewKey& spec);
// `grace` is a duration ("24h"; "0s" ends the old secret at once).
absl::StatusOr<IssuedKey> RotateKey(Store& store, const MasterKey& master, const std::string& id,
                                    const std::string& grace);
// The public view of a key: never its secret or hash.
nlohmann::json KeyJson(const KeyRecord& key);

// Creates an admin token with `role` (admin, auditor or privacy); returns {"id","token"},
// the token shown once and stored only as a keyed hash.
absl::StatusOr<nlohmann::json> CreateAdminToken(Store& store, const MasterKey& master,
                                                const std::string& role, const std::string& name);

bool IsValidSecretName(const std::string& name);
absl::Status SetSecret(Store& store, const MasterKey& master, const std::string& name,
                       const Secret& value);

std::string FormatTime(int64_t unix_seconds);  // RFC 3339 UTC
int64_t Now();

}  // namespace bulwark::service
