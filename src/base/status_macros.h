// File: status_macros.h
// RETURN_IF_ERROR and ASSIGN_OR_RETURN for absl::Status / absl::StatusOr, which the
// Debian build of Abseil (20220623) does not ship.
#pragma once

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define BULWARK_CONCAT_INNER(a, b) a##b
#define BULWARK_CONCAT(a, b) BULWARK_CONCAT_INNER(a, b)

// The temporary is named per line so that nested uses (a RETURN_IF_ERROR inside a lambda
// passed to another) do not shadow each other.
#define RETURN_IF_ERROR(expr) RETURN_IF_ERROR_IMPL(BULWARK_CONCAT(bulwark_status_, __LINE__), expr)
#define RETURN_IF_ERROR_IMPL(tmp, expr) \
  do {                                  \
    ::absl::Status tmp = (expr);        \
    if (!tmp.ok()) {                    \
      return tmp;                       \
    }                                   \
  } while (false)

#define ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                          \
  if (!tmp.ok()) {                            \
    return std::move(tmp).status();           \
  }                                           \
  lhs = std::move(tmp).value()

#define ASSIGN_OR_RETURN(lhs, expr) \
  ASSIGN_OR_RETURN_IMPL(BULWARK_CONCAT(bulwark_statusor_, __LINE__), lhs, expr)
