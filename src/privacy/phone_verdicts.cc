#include "privacy/phone_verdicts.h"

#include <sodium.h>

namespace bulwark::privacy::internal {

PhoneVerdicts::PhoneVerdicts() {
  static_assert(crypto_shorthash_KEYBYTES == 16);
  // sodium_init is idempotent and thread-safe; the scanner may be built before main's.
  if (sodium_init() < 0) {
    std::abort();
  }
  randombytes_buf(key_.data(), key_.size());
}

uint64_t PhoneVerdicts::Digest(std::string_view number) const {
  unsigned char out[crypto_shorthash_BYTES];
  crypto_shorthash(out, reinterpret_cast<const unsigned char*>(number.data()), number.size(),
                   key_.data());
  uint64_t digest = 0;
  for (unsigned char byte : out) {
    digest = (digest << 8) | byte;
  }
  return digest;
}

std::optional<bool> PhoneVerdicts::Find(Key key) const {
  const uint64_t digest = key.digest_;
  const Shard& shard = shards_[digest % kShards];
  absl::MutexLock lock(&shard.mutex);
  const auto it = shard.verdicts.find(digest);
  if (it == shard.verdicts.end()) {
    return std::nullopt;
  }
  return it->second;
}

void PhoneVerdicts::Remember(Key key, bool valid) {
  const uint64_t digest = key.digest_;
  Shard& shard = shards_[digest % kShards];
  absl::MutexLock lock(&shard.mutex);
  if (shard.verdicts.size() >= kPerShard) {
    shard.verdicts.clear();
  }
  shard.verdicts[digest] = valid;
}

}  // namespace bulwark::privacy::internal
