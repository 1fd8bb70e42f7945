#include "service/keys.h"

#include <cctype>
#include <ctime>

#include <fmt/format.h>

#include "base/cidr.h"
#include "base/key_format.h"
#include "base/limit_rules.h"
#include "base/random.h"
#include "base/status_macros.h"
#include "base/units.h"
#include "pipeline/scope/scope_stage.h"

namespace bulwark::service {

std::string FormatTime(int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

int64_t Now() { return static_cast<int64_t>(std::time(nullptr)); }

absl::StatusOr<IssuedKey> CreateKey(Store& store, const MasterKey& master, const NewKey& spec) {
  if (spec.name.empty() || spec.name.size() > 200) {
    return absl::InvalidArgumentError("a key needs a name of 1-200 characters");
  }
  if (spec.tenant.empty() || spec.tenant.size() > 200) {
    return absl::InvalidArgumentError("a tenant name has 1-200 characters");
  }
  if (spec.scopes.empty()) {
    return absl::InvalidArgumentError("at least one scope is required, e.g. --scope heygen:*");
  }
  for (const std::string& s : spec.scopes) {
    if (!IsValidScope(s)) {
      return absl::InvalidArgumentError(
          fmt::format("invalid scope '{}': use provider:operation, provider:* or *", s));
    }
  }
  KeyRecord k;
  for (const std::string& c : spec.allow_ips) {
    if (auto p = Cidr::Parse(c); !p.ok()) return p.status();
  }
  for (const std::string& r : spec.rates) {
    ASSIGN_OR_RETURN(RateRule rule, ParseRateRule(r));  // N/s ... or OPERATION=N/PERIOD
    k.rates.push_back(rule.ToString());
  }
  for (const std::string& q : spec.quotas) {
    ASSIGN_OR_RETURN(QuotaRule quota, ParseQuotaRule(q));
    k.quotas.push_back(quota.ToString());
  }
  int64_t now = Now();
  if (!spec.expires_in.empty()) {
    ASSIGN_OR_RETURN(std::chrono::seconds d, ParseDuration(spec.expires_in));
    k.expires_at = now + d.count();
  }
  IssuedKey issued{std::string(kKeyIdPrefix) + RandomHex(8),
                   std::string(kClientKeyPrefix) + RandomBase62(32)};
  k.id = issued.id;
  k.name = spec.name;
  k.tenant = spec.tenant;
  k.secret_hash = KeyedHash(master.Derive(KeyPurpose::kKeyHash), issued.key);
  k.scopes = spec.scopes;
  k.allow_ips = spec.allow_ips;
  k.created_at = now;
  RETURN_IF_ERROR(store.CreateKey(k));
  return issued;
}

absl::StatusOr<IssuedKey> RotateKey(Store& store, const MasterKey& master, const std::string& id,
                                    const std::string& grace) {
  ASSIGN_OR_RETURN(std::chrono::seconds d, ParseDuration(grace, /*allow_zero=*/true));
  IssuedKey issued{id, std::string(kClientKeyPrefix) + RandomBase62(32)};
  absl::Status st = store.RotateKey(id, KeyedHash(master.Derive(KeyPurpose::kKeyHash), issued.key),
                                    Now() + d.count());
  if (st.code() == absl::StatusCode::kNotFound) {
    return absl::NotFoundError(fmt::format("no key with id '{}'", id));
  }
  RETURN_IF_ERROR(st);
  return issued;
}

nlohmann::json KeyJson(const KeyRecord& k) {
  int64_t now = Now();
  std::string status = k.revoked_at != 0                            ? "revoked"
                       : (k.expires_at != 0 && k.expires_at <= now) ? "expired"
                                                                    : "active";
  auto time_or_null = [](int64_t t) { return t ? nlohmann::json(FormatTime(t)) : nullptr; };
  bool in_grace = !k.previous_secret_hash.empty() && k.previous_expires_at > now;
  return {
      {"id", k.id},
      {"name", k.name},
      {"tenant", k.tenant},
      {"scopes", k.scopes},
      {"allow_ips", k.allow_ips},
      {"rates", k.rates},
      {"quotas", k.quotas},
      {"status", status},
      {"created_at", FormatTime(k.created_at)},
      {"expires_at", time_or_null(k.expires_at)},
      {"revoked_at", time_or_null(k.revoked_at)},
      {"previous_secret_valid_until", in_grace ? time_or_null(k.previous_expires_at) : nullptr}};
}

absl::StatusOr<nlohmann::json> CreateAdminToken(Store& store, const MasterKey& master,
                                                const std::string& role, const std::string& name) {
  if (role != "admin" && role != "auditor" && role != "privacy") {
    return absl::InvalidArgumentError("the role must be admin, auditor or privacy");
  }
  AdminTokenRecord record;
  record.id = "adm_" + RandomHex(8);
  record.name = name.empty() ? role : name;
  record.role = role;
  std::string token = "bwa_" + RandomBase62(32);
  record.token_hash = KeyedHash(master.Derive(KeyPurpose::kKeyHash), token);
  record.created_at = Now();
  RETURN_IF_ERROR(store.CreateAdminToken(record));
  return nlohmann::json{{"id", record.id}, {"token", token}};
}

bool IsValidSecretName(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.')) {
      return false;
    }
  }
  return true;
}

absl::Status SetSecret(Store& store, const MasterKey& master, const std::string& name,
                       const Secret& value) {
  if (!IsValidSecretName(name)) {
    return absl::InvalidArgumentError("secret names hold 1-64 letters, digits, '-', '_' or '.'");
  }
  if (value.empty()) return absl::InvalidArgumentError("the secret value is empty");
  if (value.size() > 16 * 1024) return absl::InvalidArgumentError("secret is larger than 16 KiB");
  std::string sealed =
      Seal(master.Derive(KeyPurpose::kSecrets), value.Reveal(), fmt::format("secret:{}", name));
  return store.PutSecret(name, sealed, Now());
}

}  // namespace bulwark::service
