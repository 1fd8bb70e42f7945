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
// Thread-safe: Handle may run on any worker concurrently.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>  // std::exchange, used by asio/awaitable.hpp

#include <boost/asio/awaitable.hpp>

#include "audit/audit.h"
#include "auth/signing_keys.h"
#include "base/secret.h"
#include "config/config.h"
#include "http/message.h"
#include "storage/store.h"

namespace bulwark::auth {

inline constexpr std::string_view kTokenPath = "/oauth2/token";
inline constexpr std::string_view kJwksPath = "/.well-known/jwks.json";
inline constexpr std::string_view kTokenAudience = "bulwark";

class TokenEndpoint {
 public:
  // Finds the key whose secret has this keyed hash (current or previous secret).
  using KeyLookup = std::function<std::optional<KeyRecord>(const std::string& secret_hash)>;

  TokenEndpoint(const Config& config, audit::AuditLog& audit, Secret key_hash_key)
      : config_(config), audit_(audit), key_hash_key_(std::move(key_hash_key)) {}

  boost::asio::awaitable<http::Response> Token(const http::Request& request, std::string request_id,
                                               std::shared_ptr<const KeyRing> ring,
                                               KeyLookup lookup);
  http::Response Jwks(const http::Request& request, const std::string& request_id,
                      const KeyRing* ring) const;

 private:
  const Config& config_;
  audit::AuditLog& audit_;
  Secret key_hash_key_;
};

}  // namespace bulwark::auth
