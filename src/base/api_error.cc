#include "base/api_error.h"

#include <nlohmann/json.hpp>

namespace bulwark {

ApiErrorInfo Describe(ApiError error) {
  switch (error) {
    case ApiError::kUnauthenticated:
      return {401, "unauthenticated", "Missing or invalid credentials"};
    case ApiError::kForbidden:
      return {403, "forbidden", "The key's scopes do not allow this operation"};
    case ApiError::kIpNotAllowed:
      return {403, "ip_not_allowed", "The client address is not allowed for this key"};
    case ApiError::kConsentRequired:
      return {403, "consent_required", "A live consent is required for this request"};
    case ApiError::kRouteNotAllowed:
      return {403, "route_not_allowed", "This route is not allowed"};
    case ApiError::kKeySuspended:
      return {403, "key_suspended", "The key is suspended"};
    case ApiError::kInvalidRequest:
      return {400, "invalid_request", "The request is malformed"};
    case ApiError::kNotFound:
      return {404, "route_not_allowed", "Unknown route"};
    case ApiError::kObjectNotFound:
      return {404, "not_found", "No such object"};
    case ApiError::kPayloadTooLarge:
      return {413, "payload_too_large", "The request body is too large"};
    case ApiError::kHeadersTooLarge:
      return {431, "invalid_request", "The request header block is too large"};
    case ApiError::kNotImplemented:
      return {501, "invalid_request", "Unsupported transfer encoding"};
    case ApiError::kPiiBlocked:
      return {422, "pii_blocked", "The request contains personal data that may not be sent"};
    case ApiError::kRateLimited:
      return {429, "rate_limited", "Too many requests"};
    case ApiError::kQuotaExceeded:
      return {429, "quota_exceeded", "Quota exceeded"};
    case ApiError::kUpstreamError:
      return {502, "upstream_error", "The upstream service failed"};
    case ApiError::kUpstreamAuthFailed:
      return {502, "upstream_auth_failed",
              "The upstream service refused the gateway's credentials"};
    case ApiError::kUpstreamUnavailable:
      return {503, "upstream_unavailable", "The upstream service is unavailable"};
    case ApiError::kFrozen:
      return {503, "frozen", "Traffic is frozen"};
    case ApiError::kAuditUnavailable:
      return {503, "audit_unavailable", "The audit log cannot be written"};
    case ApiError::kUpstreamTimeout:
      return {504, "upstream_timeout", "The upstream service did not answer in time"};
    case ApiError::kInternal:
      return {500, "internal", "Internal error"};
  }
  return {500, "internal", "Internal error"};
}

std::string ErrorBody(ApiError error, std::string_view request_id, std::string_view detail) {
  ApiErrorInfo info = Describe(error);
  std::string message(info.message);
  if (!detail.empty()) message += ": " + std::string(detail);
  nlohmann::json body = {
      {"data", nullptr},
      {"error", {{"code", info.code}, {"message", message}, {"request_id", request_id}}}};
  return body.dump();
}

}  // namespace bulwark
