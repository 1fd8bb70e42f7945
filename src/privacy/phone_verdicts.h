// File: phone_verdicts.h
// A bounded memory of phone verdicts. Validating one candidate costs about half a
// microsecond per region tried (PhoneValidator), and a national number is tried in up to a
// dozen regions, more than scanning a few kilobytes; the same numbers recur across
// requests (a support line, a customer in a conversation). The cache holds keyed SipHash digests of
// the numbers, never the digits, with a per-process random key, so it cannot be read back as a list
// of phone numbers.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>
#include <unordered_map>

#include "absl/synchronization/mutex.h"

namespace bulwark::privacy::internal {

class PhoneVerdicts {
 public:
  PhoneVerdicts();
  PhoneVerdicts(const PhoneVerdicts&) = delete;
  PhoneVerdicts& operator=(const PhoneVerdicts&) = delete;

  // A candidate's bytes as written, digested once for Find and Remember.
  class Key {
   private:
    friend class PhoneVerdicts;
    explicit Key(uint64_t digest) : digest_(digest) {}
    uint64_t digest_;
  };
  Key KeyOf(std::string_view number) const { return Key(Digest(number)); }

  // The remembered verdict for the number, if any.
  std::optional<bool> Find(Key key) const;
  void Remember(Key key, bool valid);

 private:
  static constexpr size_t kShards = 16;
  // Per shard; a full shard is emptied, which bounds memory at ~kShards * kPerShard
  // entries without bookkeeping on the hit path.
  static constexpr size_t kPerShard = 1024;

  struct Shard {
    mutable absl::Mutex mutex;
    std::unordered_map<uint64_t, bool> verdicts ABSL_GUARDED_BY(mutex);
  };

  uint64_t Digest(std::string_view number) const;

  std::array<unsigned char, 16> key_{};
  std::array<Shard, kShards> shards_;
};

}  // namespace bulwark::privacy::internal
