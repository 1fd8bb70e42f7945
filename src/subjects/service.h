// File: service.h
// Consent records and data-subject rights, shared by the CLI and the admin API so that
// both validate, store and answer exactly alike (CONTRACT.md sections 2, 5 and 7).
//
// Subjects are given as raw ids and stored only as keyed lookup hashes (keyring.h): the
// store never holds a raw subject id, yet `consent list SUBJECT` works because the caller
// names the subject. Each change returns the audit `target` to record: it names the subject
// by its pseudonym (derived from the subject's random key), so that after erasure the
// admin records in the immutable audit chain cannot be linked to the person either.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "absl/status/statusor.h"
#include "config/config.h"
#include "storage/store.h"
#include "subjects/keyring.h"

namespace bulwark::subjects {

struct Change {
  nlohmann::json result;  // what the command prints / the API answers
  std::string target;     // the audit record's target (pseudonymous)
};

struct ConsentRequest {
  std::string subject;
  std::string purpose;
  std::string provider;  // "" = every provider
  std::string evidence;  // grant only
};

// Grant is idempotent (an already live consent is returned unchanged). Revoke fails with
// NotFound when no consent is live for exactly (subject, purpose, provider).
// InvalidArgument for a bad subject, purpose, evidence or an unconfigured provider.
absl::StatusOr<Change> GrantConsent(Store& store, const Keyring& ring, const Config& config,
                                    const ConsentRequest& request, int64_t now);
absl::StatusOr<Change> RevokeConsent(Store& store, const Keyring& ring,
                                     const ConsentRequest& request, int64_t now);
// Every consent of the subject, oldest first, as a JSON array.
absl::StatusOr<nlohmann::json> ListConsents(Store& store, const Keyring& ring,
                                            const std::string& subject);

// {"subject", "consents", "audit", "payloads", "resources"}: empty arrays for an unknown
// or erased subject. Payload bodies are decrypted ("body", or "body_base64" when they are
// not UTF-8 text). A missing audit log counts as no records.
absl::StatusOr<nlohmann::json> ExportSubject(Store& store, const Keyring& ring,
                                             const std::filesystem::path& audit_log,
                                             const std::string& subject);
// Deletes consents, payloads, resource bindings and the subject's key (crypto-shredding).
// Result: {"subject", "erased": {"consents", "payloads", "resources", "key"}}.
absl::StatusOr<Change> EraseSubject(Store& store, const Keyring& ring, const std::string& subject);

// Applies payload retention at `now` (unix seconds): each provider's captures older than
// its `retention` are deleted; captures of providers no longer configured use the default
// retention (30d). Result: {"now", "deleted", "providers": {NAME: {"retention_seconds",
// "before", "deleted"}}}.
absl::StatusOr<nlohmann::json> Purge(Store& store, const Config& config, int64_t now);

}  // namespace bulwark::subjects
