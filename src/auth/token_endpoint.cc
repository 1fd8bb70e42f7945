#include "auth/token_endpoint.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <ctime>
#include <map>
#include <span>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "audit/append_durably.h"
#include "auth/scopes.h"
#include "base/api_error.h"
#include "base/cidr.h"
#include "base/key_format.h"
#include "base/random.h"
#include "crypto/keys.h"
#include "http/request_head.h"

namespace bulwark::auth {
namespace {

namespace asio = boost::asio;

constexpr size_t kMaxTokenRequestBody = 4096;
constexpr size_t kMaxParams = 16;
constexpr size_t kMaxClientSecret = 512;

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// application/x-www-form-urlencoded value: '+' is a space, %XX a byte; anything malformed
// (a lone '%', bad hex, a decoded control byte) is refused.
std::optional<std::string> FormDecode(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '+') {
      out += ' ';
    } else if (c == '%') {
      if (i + 2 >= in.size()) return std::nullopt;
      int hi = HexValue(in[i + 1]), lo = HexValue(in[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out += c;
    }
  }
  for (char c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return std::nullopt;
  }
  return out;
}

// Parameters may not repeat (RFC 6749 section 3.2).
std::optional<std::map<std::string, std::string>> ParseForm(std::string_view body) {
  std::map<std::string, std::string> out;
  size_t count = 0;
  while (!body.empty()) {
    size_t amp = body.find('&');
    std::string_view pair = body.substr(0, amp);
    body = amp == std::string_view::npos ? std::string_view() : body.substr(amp + 1);
    if (pair.empty()) continue;
    if (++count > kMaxParams) return std::nullopt;
    size_t eq = pair.find('=');
    auto name = FormDecode(pair.substr(0, eq));
    auto value =
        FormDecode(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1));
    if (!name || !value || name->empty()) return std::nullopt;
    if (!out.emplace(std::move(*name), std::move(*value)).second) return std::nullopt;
  }
  return out;
}

http::Response OAuthError(int status, std::string_view error, const std::string& request_id) {
  http::Response r;
  r.status = status;
  r.body = nlohmann::json({{"error", error}}).dump();
  r.headers = {{"Content-Type", "application/json"},
               {"Cache-Control", "no-store"},
               {"Pragma", "no-cache"},
               {"X-Request-Id", request_id}};
  return r;
}

http::Response ContractError(ApiError e, const std::string& request_id) {
  http::Response r;
  r.status = Describe(e).status;
  r.body = ErrorBody(e, request_id);
  r.headers = {{"Content-Type", "application/json"},
               {"Cache-Control", "no-store"},
               {"X-Request-Id", request_id}};
  return r;
}

}  // namespace

std::string TokenEndpoint::PrintableId(std::string_view id) {
  // Only the shape of an issued key id (base/key_format.h): a client secret pasted into
  // client_id, with or without its prefix, is never written.
  if (id.size() <= kKeyIdPrefix.size() || id.size() > 64 || !id.starts_with(kKeyIdPrefix)) {
    return "";
  }
  for (char c : id) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') return "";
  }
  return std::string(id);
}

TokenEndpoint::TokenEndpoint(const Config& config, audit::AuditLog& audit, Secret key_hash_key,
                             RateLimiter& limiter, AccessLog& access_log,
                             anomaly::Detector* anomaly)
    : config_(config),
      audit_(audit),
      key_hash_key_(std::move(key_hash_key)),
      limiter_(limiter),
      access_log_(access_log),
      anomaly_(anomaly) {
  auto rate = ParseRate(config.token_failure_rate);
  // Validation refuses a bad rate; should one slip through, be strict rather than open.
  failure_rate_ = rate.ok() ? *rate : Rate{1, std::chrono::seconds(60)};
}

std::string TokenEndpoint::FailureLimitKey(std::string_view client_ip) {
  auto ip = IpAddress::Parse(client_ip);
  if (!ip.ok()) return fmt::format("oauth2_fail:{}", client_ip.substr(0, 64));
  std::array<uint8_t, 16> bytes = ip->bytes;
  bool v4 = std::all_of(bytes.begin(), bytes.begin() + 10, [](uint8_t b) { return b == 0; }) &&
            bytes[10] == 0xff && bytes[11] == 0xff;
  if (!v4) std::fill(bytes.begin() + 8, bytes.end(), uint8_t{0});  // the /64
  std::string key = "oauth2_fail:";
  for (uint8_t b : bytes) key += fmt::format("{:02x}", b);
  return key;
}

asio::awaitable<http::Response> TokenEndpoint::Token(const http::Request& request,
                                                     std::string request_id, std::string client_ip,
                                                     std::shared_ptr<const KeyRing> ring,
                                                     KeyLookup lookup) {
  const auto started = std::chrono::steady_clock::now();
  audit::Record record;
  http::Response response;
  const LimitSpec failures{FailureLimitKey(client_ip), failure_rate_};
  LimitDecision allowed = limiter_.Peek(std::span<const LimitSpec>(&failures, 1), started);
  if (!allowed.allowed) {
    // Over the failure budget: refused before any secret is looked at. Not audited (the
    // failures that led here were; an attacker must not be able to flood the audit log).
    response = OAuthError(429, "slow_down", request_id);
    response.headers.push_back({"Retry-After", std::to_string(allowed.retry_after_seconds)});
    record.reason = "slow_down";
  } else {
    response = co_await Issue(request, request_id, ring, lookup, record);
    if (record.reason == "invalid_client") {
      // A failed client authentication (a guess): charged to the address's budget, and
      // heard by the same auth_failures rule that watches wrong keys on the data plane.
      limiter_.Check(std::span<const LimitSpec>(&failures, 1), std::chrono::steady_clock::now());
      if (anomaly_ != nullptr) {
        anomaly::Event event;
        event.client_ip = client_ip;
        event.auth_failure = true;
        anomaly_->Observe(event);
      }
    }
  }

  AccessRecord line;
  line.request_id = request_id;
  line.key_id = record.key_id;
  line.tenant = record.tenant;
  line.client_ip = std::move(client_ip);
  line.method = request.head.method;
  line.provider = "oauth2";
  line.operation = "token";
  line.status = response.status;
  if (response.status != 200) {
    line.code = record.reason.empty() ? "internal" : record.reason;
    line.reason = "oauth2." + line.code;
  }
  line.latency_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  line.bytes_in = request.body.size();
  line.bytes_out = response.body.size();
  access_log_.Write(line);
  co_return response;
}

asio::awaitable<http::Response> TokenEndpoint::Issue(const http::Request& request,
                                                     const std::string& request_id,
                                                     std::shared_ptr<const KeyRing> ring,
                                                     KeyLookup lookup, audit::Record& record) {
  const int64_t now = std::time(nullptr);
  record.kind = "token";
  record.action = "oauth2.token";
  record.request_id = request_id;
  record.decision = "refused";
  // `reason` (audit and access log) is the answer's error unless said otherwise.
  auto refuse = [&](int status, std::string_view error, std::string_view reason = {}) {
    record.status = status;
    record.reason = std::string(reason.empty() ? error : reason);
    audit_.Append(record, [](absl::Status st) {
      if (!st.ok()) spdlog::warn("audit write failed: {}", st.ToString());
    });
    return OAuthError(status, error, request_id);
  };

  if (request.head.method != "POST") {
    record.reason = "invalid_request";
    http::Response r = OAuthError(405, "invalid_request", request_id);
    r.headers.push_back({"Allow", "POST"});
    co_return r;
  }
  // Credentials never travel in the URL (RFC 6749 section 2.3.1).
  if (request.head.has_query) co_return refuse(400, "invalid_request");
  const std::string* content_type = request.head.Find("content-type");
  std::string_view ct = content_type ? std::string_view(*content_type) : std::string_view();
  ct = ct.substr(0, ct.find(';'));
  while (!ct.empty() && ct.back() == ' ') ct.remove_suffix(1);
  if (!http::EqualsIgnoreCase(ct, "application/x-www-form-urlencoded")) {
    co_return refuse(400, "invalid_request");
  }
  if (request.body.size() > kMaxTokenRequestBody) co_return refuse(400, "invalid_request");
  auto form = ParseForm(request.body);
  if (!form) co_return refuse(400, "invalid_request");

  // Client authentication: exactly one of HTTP Basic and form fields.
  std::string client_id, client_secret;
  bool basic = false;
  int authorization_headers = 0;
  for (const http::Header& h : request.head.headers) {
    if (!http::EqualsIgnoreCase(h.name, "authorization")) continue;
    if (++authorization_headers > 1) co_return refuse(400, "invalid_request");
    std::string_view v = h.value;
    if (v.size() < 6 || !http::EqualsIgnoreCase(v.substr(0, 6), "basic ")) {
      co_return refuse(401, "invalid_client");
    }
    basic = true;
    v.remove_prefix(6);
    while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
    auto decoded = v.size() <= 2048 ? Base64Decode(v) : absl::InvalidArgumentError("too long");
    size_t colon = decoded.ok() ? decoded->find(':') : std::string::npos;
    if (colon == std::string::npos) {
      http::Response r = refuse(401, "invalid_client");
      r.headers.push_back({"WWW-Authenticate", "Basic realm=\"bulwark\""});
      co_return r;
    }
    auto id = FormDecode(std::string_view(*decoded).substr(0, colon));
    auto secret = FormDecode(std::string_view(*decoded).substr(colon + 1));
    if (!id || !secret) co_return refuse(400, "invalid_request");
    client_id = std::move(*id);
    client_secret = std::move(*secret);
  }
  bool form_creds = form->count("client_id") || form->count("client_secret");
  if (basic && form_creds) co_return refuse(400, "invalid_request");
  if (!basic) {
    client_id = form->count("client_id") ? (*form)["client_id"] : "";
    client_secret = form->count("client_secret") ? (*form)["client_secret"] : "";
  }
  record.key_id = PrintableId(client_id);

  auto grant = form->find("grant_type");
  if (grant == form->end()) co_return refuse(400, "invalid_request");
  if (grant->second != "client_credentials") co_return refuse(400, "unsupported_grant_type");

  auto invalid_client = [&]() {
    http::Response r = refuse(401, "invalid_client");
    if (basic) r.headers.push_back({"WWW-Authenticate", "Basic realm=\"bulwark\""});
    return r;
  };
  if (client_id.empty() || client_secret.empty() || client_secret.size() > kMaxClientSecret) {
    co_return invalid_client();
  }
  std::string hash = KeyedHash(key_hash_key_, client_secret);
  std::optional<ClientKey> found = lookup(hash);
  const KeyRecord* key = found ? &found->record : nullptr;
  // The id is public: comparing it in constant time is not needed, the secret's hash
  // lookup already was the secret check.
  if (!key || key->id != client_id || key->revoked_at != 0) co_return invalid_client();
  int64_t valid_until = key->expires_at;
  if (hash != key->secret_hash) {  // the previous secret, during its rotation grace
    if (key->previous_expires_at <= now) co_return invalid_client();
    if (valid_until == 0 || key->previous_expires_at < valid_until) {
      valid_until = key->previous_expires_at;
    }
  }
  if (key->expires_at != 0 && key->expires_at <= now) co_return invalid_client();
  record.key_id = key->id;
  record.tenant = key->tenant;
  if (found->frozen) {
    // Answered like any client that may not have tokens, but recorded as what it is and
    // not counted as a failed guess (a suspended client retrying must not be slowed
    // down as a brute-forcer, nor raise an auth_failures alert).
    http::Response r = refuse(401, "invalid_client", "key_suspended");
    if (basic) r.headers.push_back({"WWW-Authenticate", "Basic realm=\"bulwark\""});
    co_return r;
  }

  std::vector<std::string> scopes = key->scopes;
  if (auto requested = form->find("scope"); requested != form->end()) {
    std::vector<std::string> wanted;
    std::string_view s = requested->second;
    while (!s.empty()) {
      size_t sp = s.find(' ');
      if (sp != 0) wanted.emplace_back(s.substr(0, sp));
      s = sp == std::string_view::npos ? std::string_view() : s.substr(sp + 1);
    }
    if (wanted.empty()) co_return refuse(400, "invalid_scope");
    for (const std::string& w : wanted) {
      bool covered = false;
      for (const std::string& g : key->scopes) covered = covered || ScopeCovers(g, w);
      if (!covered) co_return refuse(400, "invalid_scope");  // never widen
    }
    scopes = IntersectScopes(wanted, key->scopes);
  }

  if (!ring || !ring->can_sign()) {
    spdlog::error("token request refused: no active token-signing key in the store");
    record.reason = "internal";
    co_return ContractError(ApiError::kInternal, request_id);
  }
  int64_t exp = now + static_cast<int64_t>(config_.token_ttl.count());
  if (valid_until != 0 && valid_until < exp) exp = valid_until;  // never outlive the key
  std::string jti = RandomHex(16);
  nlohmann::json claims = {{"iss", config_.issuer},
                           {"sub", key->id},
                           {"aud", kTokenAudience},
                           {"exp", exp},
                           {"iat", now},
                           {"jti", jti},
                           {"scope", JoinScopes(scopes)}};
  auto token = ring->Sign(claims);
  if (!token.ok()) {
    record.reason = "internal";
    co_return ContractError(ApiError::kInternal, request_id);
  }

  record.decision = "issued";
  record.status = 200;
  record.target = jti;
  absl::Status audited = co_await audit::AppendDurably(audit_, record);
  if (!audited.ok()) {
    if (config_.audit_fail_closed) {
      record.reason = "audit_unavailable";
      co_return ContractError(ApiError::kAuditUnavailable, request_id);
    }
    spdlog::warn("audit write failed (audit.fail_closed = false, token issued): {}",
                 audited.ToString());
  }
  http::Response r;
  r.body = nlohmann::json({{"access_token", *token},
                           {"token_type", "Bearer"},
                           {"expires_in", exp - now},
                           {"scope", JoinScopes(scopes)}})
               .dump();
  r.headers = {{"Content-Type", "application/json"},
               {"Cache-Control", "no-store"},
               {"Pragma", "no-cache"},
               {"X-Request-Id", request_id}};
  co_return r;
}

http::Response TokenEndpoint::Jwks(const http::Request& request, const std::string& request_id,
                                   const KeyRing* ring) const {
  http::Response r;
  if (request.head.method != "GET") {
    r = ContractError(ApiError::kInvalidRequest, request_id);
    r.status = 405;
    r.headers.push_back({"Allow", "GET"});
    return r;
  }
  r.body = ring ? ring->JwksJson(std::time(nullptr)) : R"({"keys":[]})";
  // Short enough that a verifier sees a rotated-in key well before tokens signed by it
  // become common; rotation keeps the old key published for a whole token lifetime.
  r.headers = {{"Content-Type", "application/json"},
               {"Cache-Control", "public, max-age=60"},
               {"X-Request-Id", request_id}};
  return r;
}

}  // namespace bulwark::auth
