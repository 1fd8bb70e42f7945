// File: vendor_fake.h
// What the three vendor fakes share: the transport-free request and response, the parsed
// call handed to a fake, and small helpers (headers, query strings, JSON answers).
// Internal to src/sandbox.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace bulwark::sandbox {

using Clock = std::chrono::system_clock;
using HeaderList = std::vector<std::pair<std::string, std::string>>;

// One HTTP request as the server read it. `target` is the raw request target
// ("/heygen/v1/video_status.get?video_id=ab").
struct HttpRequest {
  std::string method;
  std::string target;
  HeaderList headers;
  std::string body;
};

struct HttpResponse {
  int status = 200;
  HeaderList headers;
  std::string body;
};

// The value of the first header called `name` (compared case-insensitively), if any.
std::optional<std::string_view> FindHeader(const HeaderList& headers, std::string_view name);

// The token of an "Authorization: Bearer <token>" header, if there is one.
std::optional<std::string_view> BearerToken(const HeaderList& headers);

// A request as a fake sees it: the path with the vendor prefix removed, the decoded
// query, and the clock reading the app was given.
struct Call {
  std::string_view method;
  std::string path;                          // "/v2/video/generate"
  std::map<std::string, std::string> query;  // percent-decoded; last value wins
  const HeaderList* headers = nullptr;
  std::string_view body;
  Clock::time_point now;
  std::string host;  // Host header, for URLs that point back at the sandbox

  std::optional<std::string_view> Header(std::string_view name) const {
    return FindHeader(*headers, name);
  }
  std::optional<std::string> Query(const std::string& name) const;
};

// Decodes %XX and '+' (form encoding, which query strings use).
std::string PercentDecode(std::string_view text);

// Splits "a=1&b=x%20y" into decoded pairs.
std::map<std::string, std::string> ParseQuery(std::string_view query);

// A JSON answer with Content-Type application/json.
HttpResponse JsonResponse(int status, const nlohmann::json& body);

// Parses `body` as JSON without throwing; nullopt when it is not valid JSON.
std::optional<nlohmann::json> ParseJson(std::string_view body);

// True only when object[field] is the JSON boolean true: a field of the wrong type must
// not make a handler throw.
bool JsonFlag(const nlohmann::json& object, std::string_view field);

// object[field] when it is a string; `fallback` when it is absent or null; "" when it has
// another type (so that validation of the value refuses it).
std::string JsonString(const nlohmann::json& object, std::string_view field,
                       std::string fallback = "");

// Seconds since the Unix epoch.
int64_t UnixSeconds(Clock::time_point t);

// Splits "/v2/template/abc/generate" into {"v2", "template", "abc", "generate"}.
std::vector<std::string_view> PathSegments(std::string_view path);

// One fake vendor. SandboxApp runs, for each request under the vendor's prefix:
// Authenticate (401 in the vendor's shape) -> rate limit (TooManyRequests) -> Route.
// Implementations are thread-safe.
class VendorFake {
 public:
  virtual ~VendorFake() = default;
  // nullopt when the call carries the vendor key; else the vendor's 401.
  virtual std::optional<HttpResponse> Authenticate(const Call& call) const = 0;
  // The vendor's 429 (SandboxApp adds Retry-After).
  virtual HttpResponse TooManyRequests(const Call& call) const = 0;
  // The vendor's 500, used if a handler fails unexpectedly.
  virtual HttpResponse InternalError(const Call& call) const = 0;
  virtual HttpResponse Route(const Call& call) = 0;
};

}  // namespace bulwark::sandbox
