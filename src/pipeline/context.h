// File: context.h
// RequestContext: what the pipeline stages know about one request. Stages read what the
// earlier stages set and either continue or Reject() with a contract error and a stable
// internal reason ("authn.unknown_key") for logs and metrics.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "base/api_error.h"
#include "http/message.h"
#include "pipeline/snapshot.h"
#include "privacy/rewrite.h"
#include "providers/profile.h"
#include "ratelimit/limiter.h"
#include "upstream/client.h"

namespace bulwark {

struct ProviderConfig;

// A configured provider, resolved once at startup.
struct ProviderRoute {
  std::string name;
  const ProviderConfig* config = nullptr;
  const Profile* profile = nullptr;
  upstream::Endpoint endpoint;
};

struct RequestContext {
  RequestContext(http::Request& req, std::shared_ptr<const AccessSnapshot> snap)
      : request(req), snapshot(std::move(snap)) {}

  http::Request& request;
  std::shared_ptr<const AccessSnapshot> snapshot;
  std::string request_id;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  std::string client_ip;
  uint64_t bytes_in = 0;          // the client's body size, before any rewriting
  std::string subject_pseudonym;  // keyed hash of X-Bulwark-Subject, "" if absent

  // Set by routing: the provider named by the first path segment (nullptr if unknown),
  // the normalised rest of the path, and the matched operation.
  std::string provider_segment;
  const ProviderRoute* route = nullptr;
  std::string rest_path;
  const Operation* operation = nullptr;
  std::string operation_name;  // operation->name, "passthrough" or "unmatched"

  // Set by authentication.
  std::shared_ptr<const KeyEntry> key;

  // Set by rate limiting.
  LimitDecision limits;

  // Set by the PII stage: findings (type name, count; never values) and, when values were
  // pseudonymised, the mapping used to restore them in the vendor's answer.
  std::vector<std::pair<std::string_view, int>> pii_findings;
  std::unique_ptr<privacy::Pseudonymizer> pseudonyms;

  // The refusal, if any. `error_detail` is appended to the message where the contract
  // allows one (pii_blocked names the types found).
  std::string error_detail;
  std::optional<ApiError> refusal;
  std::string reason;
  int64_t retry_after = 0;

  void Reject(ApiError error, std::string_view why) {
    refusal = error;
    reason = std::string(why);
  }
};

// A synchronous stage of the request pipeline (see gateway.cc for the order).
class Stage {
 public:
  enum Result { kContinue, kStop };
  virtual ~Stage() = default;
  virtual std::string_view name() const = 0;
  virtual Result Run(RequestContext& ctx) = 0;
};

}  // namespace bulwark
