// File: api_error.h
// The contract's error codes (CONTRACT.md section 4) with their HTTP status and the one
// fixed message each. Bodies are built only here, so no error can carry extra detail.
#pragma once

#include <string>
#include <string_view>

namespace bulwark {

enum class ApiError {
  kUnauthenticated,
  kForbidden,
  kIpNotAllowed,
  kConsentRequired,
  kRouteNotAllowed,
  kKeySuspended,
  kInvalidRequest,
  kNotFound,        // route_not_allowed with 404 for an unknown provider
  kObjectNotFound,  // 404 not_found: a vendor object of another tenant (or unknown)
  kPayloadTooLarge,
  kHeadersTooLarge,
  kNotImplemented,
  kPiiBlocked,
  kRateLimited,
  kQuotaExceeded,
  kUpstreamError,
  kUpstreamAuthFailed,
  kUpstreamUnavailable,
  kFrozen,
  kAuditUnavailable,
  kUpstreamTimeout,
  kInternal,
};

struct ApiErrorInfo {
  int status;
  std::string_view code;
  std::string_view message;
};

ApiErrorInfo Describe(ApiError error);

// {"data": null, "error": {"code": ..., "message": ..., "request_id": ...}}
// A non-empty `detail` is appended to the message ("...: EMAIL, PHONE").
std::string ErrorBody(ApiError error, std::string_view request_id, std::string_view detail = {});

}  // namespace bulwark
