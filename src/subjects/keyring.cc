#include "subjects/keyring.h"

#include <fmt/format.h>
#include <sodium.h>

#include "base/status_macros.h"

namespace bulwark::subjects {
namespace {

constexpr size_t kKeyBytes = 32;

// A 32-byte subkey of `key` for `label`: BLAKE2b keyed with `key` (what crypto_kdf does).
Secret Subkey(const Secret& key, std::string_view label) {
  std::string hex = KeyedHash(key, label);
  std::string raw(kKeyBytes, '\0');
  size_t len = 0;
  sodium_hex2bin(reinterpret_cast<unsigned char*>(raw.data()), raw.size(), hex.data(), hex.size(),
                 nullptr, &len, nullptr);
  sodium_memzero(hex.data(), hex.size());
  return Secret(std::move(raw));
}

std::string PayloadAad(const PayloadRecord& r) {
  return fmt::format("payload:{}:{}:{}:{}", r.subject, r.request_id, r.provider, r.direction);
}

}  // namespace

bool IsValidPurpose(std::string_view purpose) {
  if (purpose.empty() || purpose.size() > 64) return false;
  for (char c : purpose) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.' || c == ':' || c == '-';
    if (!ok) return false;
  }
  return true;
}

absl::Status ValidatePurpose(std::string_view purpose) {
  if (IsValidPurpose(purpose)) return absl::OkStatus();
  return absl::InvalidArgumentError("a purpose holds 1-64 letters, digits, '_', '.', ':' or '-'");
}

absl::Status ValidateSubject(std::string_view subject) {
  bool ok = !subject.empty() && subject.size() <= 256;
  for (char c : subject) ok = ok && static_cast<unsigned char>(c) >= 0x20 && c != 0x7f;
  if (ok) return absl::OkStatus();
  return absl::InvalidArgumentError("a subject id holds 1-256 bytes and no control characters");
}

SubjectKey::SubjectKey(const Secret& raw)
    : pseudonym_(KeyedHash(raw, "audit-pseudonym").substr(0, 32)),
      pseudonym_key_(Subkey(raw, "pii-pseudonyms")),
      payload_key_(Subkey(raw, "payloads")) {}

Keyring::Keyring(const MasterKey& master)
    : lookup_key_(master.Derive(KeyPurpose::kSubject)),
      seal_key_(master.Derive(KeyPurpose::kSubjectKeys)),
      payload_key_(master.Derive(KeyPurpose::kPayloads)) {}

std::string Keyring::Lookup(std::string_view subject) const {
  return KeyedHash(lookup_key_, fmt::format("subject-lookup:{}", subject));
}

SubjectKeyRecord Keyring::NewRecord(const std::string& lookup, int64_t now) const {
  std::string raw(kKeyBytes, '\0');
  randombytes_buf(raw.data(), raw.size());
  SubjectKeyRecord r;
  r.subject = lookup;
  r.sealed = Seal(seal_key_, raw, "subject-key:" + lookup);
  r.created_at = now;
  sodium_memzero(raw.data(), raw.size());
  return r;
}

absl::StatusOr<std::shared_ptr<const SubjectKey>> Keyring::Open(
    const SubjectKeyRecord& record) const {
  ASSIGN_OR_RETURN(Secret raw,
                   bulwark::Open(seal_key_, record.sealed, "subject-key:" + record.subject));
  if (raw.size() != kKeyBytes) return absl::DataLossError("subject key has the wrong size");
  return std::make_shared<const SubjectKey>(raw);
}

absl::StatusOr<std::shared_ptr<const SubjectKey>> Keyring::GetOrCreate(
    Store& store, const std::string& lookup) const {
  ASSIGN_OR_RETURN(SubjectKeyRecord row, store.GetOrCreateSubjectKey(NewRecord(
                                             lookup, static_cast<int64_t>(time(nullptr)))));
  return Open(row);
}

absl::StatusOr<std::shared_ptr<const SubjectKey>> Keyring::Find(Store& store,
                                                                const std::string& lookup) const {
  ASSIGN_OR_RETURN(std::optional<SubjectKeyRecord> row, store.GetSubjectKey(lookup));
  if (!row) return std::shared_ptr<const SubjectKey>();
  return Open(*row);
}

void Keyring::SealPayload(const SubjectKey* key, std::string_view body,
                          PayloadRecord* record) const {
  if (key != nullptr) {
    record->sealed_key.clear();
    record->sealed = Seal(key->payload_key(), body, PayloadAad(*record));
    return;
  }
  std::string raw(kKeyBytes, '\0');
  randombytes_buf(raw.data(), raw.size());
  Secret one(std::move(raw));
  record->sealed = Seal(one, body, PayloadAad(*record));
  record->sealed_key = Seal(payload_key_, one.Reveal(), "payload-key:" + PayloadAad(*record));
}

absl::StatusOr<std::string> Keyring::OpenPayload(const SubjectKey* key,
                                                 const PayloadRecord& record) const {
  if (record.sealed_key.empty()) {
    if (key == nullptr) return absl::FailedPreconditionError("the subject's key is gone");
    ASSIGN_OR_RETURN(Secret plain,
                     bulwark::Open(key->payload_key(), record.sealed, PayloadAad(record)));
    return std::string(plain.Reveal());
  }
  ASSIGN_OR_RETURN(Secret one, bulwark::Open(payload_key_, record.sealed_key,
                                             "payload-key:" + PayloadAad(record)));
  ASSIGN_OR_RETURN(Secret plain, bulwark::Open(one, record.sealed, PayloadAad(record)));
  return std::string(plain.Reveal());
}

}  // namespace bulwark::subjects
