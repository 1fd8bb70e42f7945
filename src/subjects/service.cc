#include "subjects/service.h"

#include <fmt/format.h>

#include "audit/audit.h"
#include "base/status_macros.h"

namespace bulwark::subjects {
namespace {

constexpr int64_t kDefaultRetention = 30 * 86400;

std::string Time(int64_t unix_seconds) { return audit::FormatTimeMs(unix_seconds * 1000); }

nlohmann::json ConsentJson(const ConsentRecord& c) {
  return {{"purpose", c.purpose},
          {"provider", c.provider},
          {"granted_at", Time(c.granted_at)},
          {"revoked_at",
           c.revoked_at == 0 ? nlohmann::json(nullptr) : nlohmann::json(Time(c.revoked_at))},
          {"live", c.revoked_at == 0},
          {"evidence", c.evidence}};
}

bool IsUtf8Text(const std::string& s) {
  try {
    (void)nlohmann::json(s).dump();
    return true;
  } catch (const nlohmann::json::exception&) {
    return false;
  }
}

absl::Status ValidateRequest(const ConsentRequest& r) {
  RETURN_IF_ERROR(ValidateSubject(r.subject));
  RETURN_IF_ERROR(ValidatePurpose(r.purpose));
  if (!r.provider.empty() && !IsValidPurpose(r.provider)) {
    return absl::InvalidArgumentError("invalid provider name");
  }
  return absl::OkStatus();
}

std::string Target(const SubjectKey& key, const ConsentRequest& r) {
  return fmt::format("subject:{} purpose:{} provider:{}", key.pseudonym(), r.purpose,
                     r.provider.empty() ? "*" : r.provider);
}

}  // namespace

absl::StatusOr<Change> GrantConsent(Store& store, const Keyring& ring, const Config& config,
                                    const ConsentRequest& request, int64_t now) {
  RETURN_IF_ERROR(ValidateRequest(request));
  if (!request.provider.empty() && config.FindProvider(request.provider) == nullptr) {
    std::string known;
    for (const ProviderConfig& p : config.providers) known += (known.empty() ? "" : ", ") + p.name;
    return absl::InvalidArgumentError(
        fmt::format("provider '{}' is not configured (configured: {})", request.provider,
                    known.empty() ? "none" : known));
  }
  bool control = false;
  for (char c : request.evidence) control = control || (static_cast<unsigned char>(c) < 0x20);
  if (request.evidence.size() > 1024 || control || !IsUtf8Text(request.evidence)) {
    return absl::InvalidArgumentError("evidence is UTF-8 text of at most 1024 bytes, one line");
  }
  std::string lookup = ring.Lookup(request.subject);
  // The key first: the audit target names the subject by its pseudonym.
  ASSIGN_OR_RETURN(auto key, ring.GetOrCreate(store, lookup));
  ConsentRecord c;
  c.subject = lookup;
  c.purpose = request.purpose;
  c.provider = request.provider;
  c.granted_at = now;
  c.evidence = request.evidence;
  ASSIGN_OR_RETURN(ConsentRecord stored, store.GrantConsent(c));
  nlohmann::json result = ConsentJson(stored);
  result["subject"] = request.subject;
  return Change{std::move(result), Target(*key, request)};
}

absl::StatusOr<Change> RevokeConsent(Store& store, const Keyring& ring,
                                     const ConsentRequest& request, int64_t now) {
  RETURN_IF_ERROR(ValidateRequest(request));
  std::string lookup = ring.Lookup(request.subject);
  ASSIGN_OR_RETURN(ConsentRecord revoked,
                   store.RevokeConsent(lookup, request.purpose, request.provider, now));
  ASSIGN_OR_RETURN(auto key, ring.GetOrCreate(store, lookup));
  nlohmann::json result = ConsentJson(revoked);
  result["subject"] = request.subject;
  return Change{std::move(result), Target(*key, request)};
}

absl::StatusOr<nlohmann::json> ListConsents(Store& store, const Keyring& ring,
                                            const std::string& subject) {
  RETURN_IF_ERROR(ValidateSubject(subject));
  ASSIGN_OR_RETURN(std::vector<ConsentRecord> all, store.ListConsents(ring.Lookup(subject)));
  nlohmann::json out = nlohmann::json::array();
  for (const ConsentRecord& c : all) out.push_back(ConsentJson(c));
  return out;
}

absl::StatusOr<nlohmann::json> ExportSubject(Store& store, const Keyring& ring,
                                             const std::filesystem::path& audit_log,
                                             const std::string& subject) {
  RETURN_IF_ERROR(ValidateSubject(subject));
  std::string lookup = ring.Lookup(subject);
  nlohmann::json out = {{"subject", subject},
                        {"consents", nlohmann::json::array()},
                        {"audit", nlohmann::json::array()},
                        {"payloads", nlohmann::json::array()},
                        {"resources", nlohmann::json::array()}};
  ASSIGN_OR_RETURN(out["consents"], ListConsents(store, ring, subject));
  ASSIGN_OR_RETURN(auto key, ring.Find(store, lookup));
  if (key == nullptr) return out;  // never seen, or erased: nothing is linkable

  audit::SearchFilter filter;
  filter.subject = key->pseudonym();
  filter.limit = 1000000;
  auto records = audit::Search(audit_log, filter);
  if (!records.ok() && records.status().code() != absl::StatusCode::kNotFound) {
    return records.status();
  }
  if (records.ok()) {
    for (const audit::Record& r : *records) out["audit"].push_back(r.ToJson());
  }

  ASSIGN_OR_RETURN(std::vector<PayloadRecord> payloads, store.ListPayloads(lookup));
  for (const PayloadRecord& p : payloads) {
    nlohmann::json j = {{"request_id", p.request_id},       {"provider", p.provider},
                        {"operation", p.operation},         {"direction", p.direction},
                        {"created_at", Time(p.created_at)}, {"size", p.size},
                        {"truncated", p.truncated}};
    auto body = ring.OpenPayload(key.get(), p);
    if (!body.ok()) {
      j["error"] = std::string(body.status().message());
    } else if (IsUtf8Text(*body)) {
      j["body"] = *body;
    } else {
      j["body_base64"] = Base64Encode(*body);
    }
    out["payloads"].push_back(std::move(j));
  }

  ASSIGN_OR_RETURN(std::vector<ResourceRecord> resources,
                   store.ListResourcesBySubject(key->pseudonym()));
  for (const ResourceRecord& r : resources) {
    out["resources"].push_back({{"provider", r.provider},
                                {"kind", r.kind},
                                {"id", r.id},
                                {"tenant", r.tenant},
                                {"key_id", r.key_id},
                                {"created_at", Time(r.created_at)}});
  }
  return out;
}

absl::StatusOr<Change> EraseSubject(Store& store, const Keyring& ring, const std::string& subject) {
  RETURN_IF_ERROR(ValidateSubject(subject));
  std::string lookup = ring.Lookup(subject);
  ASSIGN_OR_RETURN(auto key, ring.Find(store, lookup));
  int64_t resources = 0;
  if (key != nullptr) {
    // Resource bindings first: they are found by the pseudonym, which dies with the key.
    ASSIGN_OR_RETURN(resources, store.DeleteResourcesBySubject(key->pseudonym()));
  }
  ASSIGN_OR_RETURN(SubjectErasure erased, store.EraseSubject(lookup));
  nlohmann::json result = {{"subject", subject},
                           {"erased",
                            {{"consents", erased.consents},
                             {"payloads", erased.payloads},
                             {"resources", resources},
                             {"key", erased.keys > 0}}}};
  // The pseudonym can be named now: nothing that remains can link it to the person.
  std::string target = key ? fmt::format("subject:{}", key->pseudonym()) : "subject:unknown";
  return Change{std::move(result), std::move(target)};
}

absl::StatusOr<nlohmann::json> Purge(Store& store, const Config& config, int64_t now) {
  std::map<std::string, int64_t> retention;
  for (const ProviderConfig& p : config.providers) {
    retention[p.name] = static_cast<int64_t>(p.retention.count());
  }
  ASSIGN_OR_RETURN(std::vector<std::string> stored, store.PayloadProviders());
  for (const std::string& name : stored) retention.emplace(name, kDefaultRetention);
  nlohmann::json providers = nlohmann::json::object();
  int64_t total = 0;
  for (const auto& [name, seconds] : retention) {
    int64_t before = now - seconds;
    ASSIGN_OR_RETURN(int64_t deleted, store.DeletePayloadsBefore(name, before));
    total += deleted;
    providers[name] = {
        {"retention_seconds", seconds}, {"before", Time(before)}, {"deleted", deleted}};
  }
  return nlohmann::json{{"now", Time(now)}, {"deleted", total}, {"providers", providers}};
}

}  // namespace bulwark::subjects
