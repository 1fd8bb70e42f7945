// File: token_endpoint.h
// OAuth2 client credentials (RFC 6749 section 4.4) on the data plane:
//
//   POST /oauth2/token   grant_type=client_credentials [&scope=...]
//     client id = key id, client secret = the key, by HTTP Basic or form fields
//     -> 200 {"access_token","token_type":"Bearer","expires_in","scope"}
//   GET /.well-known/jwks.json -> the published public keys (signing_keys.h)
//
// Errors use RFC 6749 bodies, e.g. 401 {"error":"invalid_client"} (with
// WWW-Authenticate: Basic when Basic was used), 400 invalid_request,
// unsupported_grant_type, invalid_scope. Revoked, expired, rotated-out and unknown keys are
// all invalid_client. The `scope` parameter may narrow the key's scopes, never widen them;
// a token never outlives its key. The request body is bounded (4 KiB). Every issuance is
// written durably to the audit log before the token is returned (with audit.fail_closed a
// failed write answers 503 audit_unavailable); refusals are audited too.
//
// Brute force of client secrets: failed client authentications (every invalid_client) are
// counted per client address (an IPv6 client by its /64) in the shared RateLimiter at
// `[auth] token_failure_rate`. Each request first peeks at that limit, so an address over
// it gets 429 {"error":"slow_down"} with Retry-After before any secret is checked, even a
// right one; only failures are charged, so successful clients are never slowed. (Peek,
// check and charge happen without suspension in between; concurrent workers can exceed the
// budget by at most one attempt each.)
//
// Every token request writes one access-log line (provider "oauth2", operation "token",
// the client id when it is a plausible key id, the RFC 6749 error as `code`); never the
// secret, the form or the token.
// Thread-safe: Token and Jwks may run on any worker concurrently.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>  // std::exchange, used by asio/awaitable.hpp

#include <boost/asio/awaitable.hpp>

#include "anomaly/detector.h"
#include "audit/audit.h"
#include "auth/signing_keys.h"
#include "base/secret.h"
#include "config/config.h"
#include "http/message.h"
#include "observability/access_log.h"
#include "ratelimit/limiter.h"
#include "storage/store.h"

namespace bulwark::auth {

inline constexpr std::string_view kTokenPath = "/oauth2/token";
inline constexpr std::string_view kJwksPath = "/.well-known/jwks.json";
inline constexpr std::string_view kTokenAudience = "bulwark";

class TokenEndpoint {
 public:
  // A key found by its secret. `frozen`: the key is suspended or its tenant frozen (issue
  // 7), so it gets no tokens; its secret was right, so that is no failed guess.
  struct ClientKey {
    KeyRecord record;
    bool frozen = false;
  };
  // Finds the key whose secret has this keyed hash (current or previous secret).
  using KeyLookup = std::function<std::optional<ClientKey>(const std::string& secret_hash)>;

  // REQUIRES: config.token_failure_rate is a valid rate (config validation checks it).
  // `anomaly` (may be null) hears of every failed client authentication, as the data
  // plane's auth_failures rule does of wrong keys.
  TokenEndpoint(const Config& config, audit::AuditLog& audit, Secret key_hash_key,
                RateLimiter& limiter, AccessLog& access_log, anomaly::Detector* anomaly);

  // `client_ip` is the client's address as the gateway determined it (trusted proxies
  // applied); failed attempts are counted against it.
  boost::asio::awaitable<http::Response> Token(const http::Request& request, std::string request_id,
                                               std::string client_ip,
                                               std::shared_ptr<const KeyRing> ring,
                                               KeyLookup lookup);
  http::Response Jwks(const http::Request& request, const std::string& request_id,
                      const KeyRing* ring) const;

  // The limiter key failures from `client_ip` are counted under: IPv4 by address, IPv6 by
  // its /64 (one host usually holds a whole /64).
  static std::string FailureLimitKey(std::string_view client_ip);

  // The claimed client id as the audit record and the access log may carry it: the id
  // when it has the shape of an issued key id ("key_..."), else "" (it may be a secret
  // sent in the wrong field).
  static std::string PrintableId(std::string_view id);

 private:
  // The token request proper; fills `record` (key id, tenant, RFC 6749 error as reason).
  boost::asio::awaitable<http::Response> Issue(const http::Request& request,
                                               const std::string& request_id,
                                               std::shared_ptr<const KeyRing> ring,
                                               KeyLookup lookup, audit::Record& record);

  const Config& config_;
  audit::AuditLog& audit_;
  Secret key_hash_key_;
  RateLimiter& limiter_;
  AccessLog& access_log_;
  anomaly::Detector* anomaly_;
  Rate failure_rate_;
};

}  // namespace bulwark::auth
