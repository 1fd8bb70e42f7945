// File: replies.h
// The admin API's answers: success as {"data": ..., "error": null}, errors as the
// contract's error body; both JSON, never cached, with the request id.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "base/api_error.h"
#include "http/message.h"

namespace bulwark::admin {

http::Response Json(int status, const nlohmann::json& data, const std::string& request_id);
http::Response Error(ApiError error, const std::string& request_id);
// 400 invalid_request whose message is `message` (bad input only, to help the caller fix
// the request; never stored data).
http::Response InvalidInput(std::string_view message, const std::string& request_id);

}  // namespace bulwark::admin
