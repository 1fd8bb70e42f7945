#include "crypto/keys.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <sodium.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace bulwark {
namespace {

// libsodium must be initialised once before use; sodium_init is idempotent and thread-safe.
void EnsureSodium() {
  static const bool ok = sodium_init() >= 0;
  if (!ok) std::abort();  // no CSPRNG: nothing secure can be done
}

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

absl::StatusOr<Secret> DecodeKeyMaterial(std::string text, std::string_view origin) {
  std::string trimmed = Trim(std::move(text));
  if (trimmed.size() == MasterKey::kSize) return Secret(std::move(trimmed));
  auto decoded = Base64Decode(trimmed);
  sodium_memzero(trimmed.data(), trimmed.size());
  if (!decoded.ok() || decoded->size() != MasterKey::kSize) {
    return absl::InvalidArgumentError(
        fmt::format("{} must hold 32 bytes encoded in base64", origin));
  }
  return Secret(std::move(*decoded));
}

}  // namespace

Secret MasterKey::Derive(KeyPurpose purpose) const {
  EnsureSodium();
  std::string sub(crypto_kdf_KEYBYTES, '\0');
  static constexpr char kContext[crypto_kdf_CONTEXTBYTES + 1] = "bulwark1";
  crypto_kdf_derive_from_key(reinterpret_cast<unsigned char*>(sub.data()), sub.size(),
                             static_cast<uint64_t>(purpose), kContext,
                             reinterpret_cast<const unsigned char*>(raw_.Reveal().data()));
  return Secret(std::move(sub));
}

absl::StatusOr<MasterKey> LoadMasterKey(const std::filesystem::path& file) {
  EnsureSodium();
  if (const char* env = std::getenv("BULWARK_MASTER_KEY"); env != nullptr && *env != '\0') {
    auto key = DecodeKeyMaterial(env, "BULWARK_MASTER_KEY");
    if (!key.ok()) return key.status();
    return MasterKey(std::move(*key));
  }
  int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    return absl::NotFoundError(fmt::format(
        "master key file {} cannot be opened: run `bulwark init` or set BULWARK_MASTER_KEY",
        file.string()));
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return absl::FailedPreconditionError(
        fmt::format("master key file {} is not a regular file", file.string()));
  }
  if ((st.st_mode & 077) != 0) {
    ::close(fd);
    return absl::FailedPreconditionError(
        fmt::format("master key file {} is readable by others (mode {:o}); fix with: chmod 600 {}",
                    file.string(), st.st_mode & 0777, file.string()));
  }
  std::string content(256, '\0');
  ssize_t n = ::read(fd, content.data(), content.size());
  ::close(fd);
  if (n < 0) return absl::UnavailableError(fmt::format("cannot read {}", file.string()));
  content.resize(static_cast<size_t>(n));
  auto key = DecodeKeyMaterial(std::move(content), file.string());
  if (!key.ok()) return key.status();
  return MasterKey(std::move(*key));
}

absl::Status CreateMasterKeyFile(const std::filesystem::path& file) {
  EnsureSodium();
  int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    return absl::AlreadyExistsError(
        fmt::format("cannot create {}: {}", file.string(), std::strerror(errno)));
  }
  std::string raw(MasterKey::kSize, '\0');
  randombytes_buf(raw.data(), raw.size());
  std::string encoded = Base64Encode(raw) + "\n";
  sodium_memzero(raw.data(), raw.size());
  bool ok = ::fchmod(fd, 0600) == 0 &&
            ::write(fd, encoded.data(), encoded.size()) == static_cast<ssize_t>(encoded.size()) &&
            ::fsync(fd) == 0;
  sodium_memzero(encoded.data(), encoded.size());
  ::close(fd);
  if (!ok) return absl::UnavailableError(fmt::format("cannot write {}", file.string()));
  return absl::OkStatus();
}

std::string KeyedHash(const Secret& key, std::string_view data) {
  EnsureSodium();
  unsigned char out[32];
  crypto_generichash(out, sizeof(out), reinterpret_cast<const unsigned char*>(data.data()),
                     data.size(), reinterpret_cast<const unsigned char*>(key.Reveal().data()),
                     key.size());
  char hex[65];
  sodium_bin2hex(hex, sizeof(hex), out, sizeof(out));
  return std::string(hex, 64);
}

std::string Seal(const Secret& key, std::string_view plaintext, std::string_view aad) {
  EnsureSodium();
  constexpr size_t kNonce = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
  std::string out(kNonce + plaintext.size() + crypto_aead_xchacha20poly1305_ietf_ABYTES, '\0');
  auto* nonce = reinterpret_cast<unsigned char*>(out.data());
  randombytes_buf(nonce, kNonce);
  unsigned long long written = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(
      nonce + kNonce, &written, reinterpret_cast<const unsigned char*>(plaintext.data()),
      plaintext.size(), reinterpret_cast<const unsigned char*>(aad.data()), aad.size(), nullptr,
      nonce, reinterpret_cast<const unsigned char*>(key.Reveal().data()));
  out.resize(kNonce + static_cast<size_t>(written));
  return out;
}

absl::StatusOr<Secret> Open(const Secret& key, std::string_view sealed, std::string_view aad) {
  EnsureSodium();
  constexpr size_t kNonce = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
  if (sealed.size() < kNonce + crypto_aead_xchacha20poly1305_ietf_ABYTES) {
    return absl::DataLossError("sealed value is truncated");
  }
  std::string plain(sealed.size() - kNonce - crypto_aead_xchacha20poly1305_ietf_ABYTES, '\0');
  unsigned long long written = 0;
  const auto* nonce = reinterpret_cast<const unsigned char*>(sealed.data());
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(
          reinterpret_cast<unsigned char*>(plain.data()), &written, nullptr, nonce + kNonce,
          sealed.size() - kNonce, reinterpret_cast<const unsigned char*>(aad.data()), aad.size(),
          nonce, reinterpret_cast<const unsigned char*>(key.Reveal().data())) != 0) {
    return absl::DataLossError("sealed value failed authentication (wrong master key?)");
  }
  plain.resize(static_cast<size_t>(written));
  return Secret(std::move(plain));
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  EnsureSodium();
  if (a.size() != b.size()) return false;
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string Base64Encode(std::string_view data) {
  EnsureSodium();
  const int variant = sodium_base64_VARIANT_ORIGINAL;
  std::string out(sodium_base64_ENCODED_LEN(data.size(), variant), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(data.data()),
                    data.size(), variant);
  out.pop_back();  // trailing NUL
  return out;
}

absl::StatusOr<std::string> Base64Decode(std::string_view text) {
  EnsureSodium();
  std::string out(text.size(), '\0');
  size_t len = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(),
                        text.size(), nullptr, &len, nullptr, sodium_base64_VARIANT_ORIGINAL) != 0) {
    return absl::InvalidArgumentError("invalid base64");
  }
  out.resize(len);
  return out;
}

}  // namespace bulwark
