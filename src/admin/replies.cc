#include "admin/replies.h"

namespace bulwark::admin {
namespace {

http::Response Reply(int status, std::string body, const std::string& request_id) {
  http::Response r;
  r.status = status;
  r.body = std::move(body);
  r.headers = {{"Content-Type", "application/json"},
               {"X-Request-Id", request_id},
               {"Cache-Control", "no-store"}};
  return r;
}

}  // namespace

http::Response Json(int status, const nlohmann::json& data, const std::string& request_id) {
  return Reply(status, nlohmann::json{{"data", data}, {"error", nullptr}}.dump(), request_id);
}

http::Response Error(ApiError error, const std::string& request_id) {
  return Reply(Describe(error).status, ErrorBody(error, request_id), request_id);
}

http::Response InvalidInput(std::string_view message, const std::string& request_id) {
  nlohmann::json body = nlohmann::json::parse(ErrorBody(ApiError::kInvalidRequest, request_id));
  body["error"]["message"] = std::string(message);
  return Reply(400, body.dump(), request_id);
}

}  // namespace bulwark::admin
