// File: limiter.h
// RateLimiter: one call decides every limit that applies to a request.
//
// GCRA (the generic cell rate algorithm): each limit keeps one "theoretical arrival time".
// A rate of N per period P has emission interval T = P/N and allows a burst of N. A request
// is admitted only if every limit admits it, and only then are all of them charged, so a
// denial consumes nothing. The in-process backend (memory_limiter.h) serves one node; a
// Redis backend later implements the same interface with the same arithmetic.
#pragma once

#include <chrono>
#include <memory>
#include <span>
#include <string>

#include "absl/status/status.h"
#include "base/units.h"

namespace bulwark {

struct LimitSpec {
  std::string key;  // e.g. "key:key_abc:1/s"
  Rate rate;
};

struct LimitDecision {
  bool allowed = true;
  bool any_limit = false;  // false when no limit applied (no headers to send)
  int64_t limit = 0;       // of the tightest limit
  int64_t remaining = 0;
  int64_t reset_seconds = 0;        // until the tightest limit is full again
  int64_t retry_after_seconds = 0;  // when denied
  int denied_index = -1;            // when denied: which of the limits refused
};

class RateLimiter {
 public:
  virtual ~RateLimiter() = default;
  virtual LimitDecision Check(std::span<const LimitSpec> limits,
                              std::chrono::steady_clock::time_point now) = 0;
  // What Check would decide now, without charging anything. For limits that count only
  // some outcomes (failed client authentications at the token endpoint): Peek before the
  // attempt, Check (which charges) once it has failed.
  virtual LimitDecision Peek(std::span<const LimitSpec> limits,
                             std::chrono::steady_clock::time_point now) = 0;
  virtual absl::Status Ping() = 0;
};

std::unique_ptr<RateLimiter> NewMemoryRateLimiter();

}  // namespace bulwark
