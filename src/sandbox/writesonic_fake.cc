// File: writesonic_fake.cc
#include "sandbox/writesonic_fake.h"

#include <algorithm>
#include <cstdlib>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace bulwark::sandbox {
namespace {

using nlohmann::json;

constexpr size_t kMaxInputChars = 5000;
constexpr std::string_view kEngines[] = {"economy", "average", "good", "premium", "business"};

HttpResponse Detail(int status, std::string_view detail) {
  return JsonResponse(status, {{"detail", detail}});
}

// One FastAPI (pydantic v1) validation error.
json Problem(json loc, std::string_view msg, std::string_view type) {
  return {{"loc", std::move(loc)}, {"msg", msg}, {"type", type}};
}

HttpResponse Unprocessable(json problems) {
  return JsonResponse(422, {{"detail", std::move(problems)}});
}

// Checks the query parameters every content endpoint takes; appends problems.
void CheckQuery(const Call& call, json* problems, int* num_copies) {
  if (std::optional<std::string> engine = call.Query("engine")) {
    if (std::find(std::begin(kEngines), std::end(kEngines), *engine) == std::end(kEngines)) {
      problems->push_back(Problem(
          {"query", "engine"},
          "value is not a valid enumeration member; permitted: 'economy', 'average', 'good', "
          "'premium'",
          "type_error.enum"));
    }
  }
  if (std::optional<std::string> copies = call.Query("num_copies")) {
    char* end = nullptr;
    long value = std::strtol(copies->c_str(), &end, 10);
    if (copies->empty() || *end != '\0') {
      problems->push_back(
          Problem({"query", "num_copies"}, "value is not a valid integer", "type_error.integer"));
    } else if (value < 1) {
      problems->push_back(Problem({"query", "num_copies"},
                                  "ensure this value is greater than or equal to 1",
                                  "value_error.number.not_ge"));
    } else if (value > 5) {
      problems->push_back(Problem({"query", "num_copies"},
                                  "ensure this value is less than or equal to 5",
                                  "value_error.number.not_le"));
    } else {
      *num_copies = static_cast<int>(value);
    }
  }
}

// The body as a JSON object, or the 422 FastAPI gives for anything else.
std::optional<json> BodyObject(const Call& call, std::optional<HttpResponse>* error) {
  std::optional<json> body = ParseJson(call.body);
  if (!body) {
    *error = Unprocessable(
        json::array({Problem({"body", 0}, "Expecting value", "value_error.jsondecode")}));
    return std::nullopt;
  }
  if (!body->is_object()) {
    *error = Unprocessable(
        json::array({Problem({"body"}, "value is not a valid dict", "type_error.dict")}));
    return std::nullopt;
  }
  return body;
}

HttpResponse Chatsonic(const Call& call) {
  json problems = json::array();
  int num_copies = 1;
  CheckQuery(call, &problems, &num_copies);
  std::optional<HttpResponse> error;
  std::optional<json> body = BodyObject(call, &error);
  if (!body) {
    return *error;
  }
  auto input = body->find("input_text");
  if (input == body->end() || input->is_null()) {
    problems.push_back(Problem({"body", "input_text"}, "field required", "value_error.missing"));
  } else if (!input->is_string()) {
    problems.push_back(Problem({"body", "input_text"}, "str type expected", "type_error.str"));
  } else if (input->get_ref<const std::string&>().size() > kMaxInputChars) {
    json problem =
        Problem({"body", "input_text"},
                fmt::format("ensure this value has at most {} characters", kMaxInputChars),
                "value_error.any_str.max_length");
    problem["ctx"] = {{"limit_value", kMaxInputChars}};
    problems.push_back(problem);
  }
  if (!problems.empty()) {
    return Unprocessable(problems);
  }
  std::string language = call.Query("language").value_or("en");
  std::string message = fmt::format("[sandbox chatsonic, {}] You said: {}", language,
                                    input->get_ref<const std::string&>());
  return JsonResponse(200, {{"message", message}, {"image_urls", json::array()}});
}

HttpResponse Content(const Call& call, std::string_view template_name) {
  json problems = json::array();
  int num_copies = 1;
  CheckQuery(call, &problems, &num_copies);
  std::optional<HttpResponse> error;
  std::optional<json> body = BodyObject(call, &error);
  if (!body) {
    return *error;
  }
  // Templates differ in their fields; any string field feeds the fake text.
  std::vector<std::string> fields;
  for (const auto& [name, value] : body->items()) {
    if (value.is_string() && !value.get_ref<const std::string&>().empty()) {
      if (value.get_ref<const std::string&>().size() > kMaxInputChars) {
        json problem =
            Problem({"body", name},
                    fmt::format("ensure this value has at most {} characters", kMaxInputChars),
                    "value_error.any_str.max_length");
        problem["ctx"] = {{"limit_value", kMaxInputChars}};
        problems.push_back(problem);
      }
      fields.push_back(fmt::format("{}: {}", name, value.get_ref<const std::string&>()));
    }
  }
  if (problems.empty() && fields.empty()) {
    problems.push_back(
        Problem({"body"}, "at least one text field is required", "value_error.missing"));
  }
  if (!problems.empty()) {
    return Unprocessable(problems);
  }
  json copies = json::array();
  for (int i = 1; i <= num_copies; ++i) {
    copies.push_back(
        {{"text", fmt::format("[sandbox {} #{}] {}", template_name, i, fmt::join(fields, "; "))}});
  }
  return JsonResponse(200, copies);
}

bool IsSlug(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
  });
}

}  // namespace

WritesonicFake::WritesonicFake(std::string key) : key_(std::move(key)) {}

std::optional<HttpResponse> WritesonicFake::Authenticate(const Call& call) const {
  std::optional<std::string_view> key = call.Header("x-api-key");
  if (!key || key->empty()) {
    return Detail(401, "API key is missing. Pass it in the X-API-KEY header.");
  }
  if (*key != key_) {
    return Detail(401, "Invalid API key.");
  }
  return std::nullopt;
}

HttpResponse WritesonicFake::TooManyRequests(const Call&) const {
  return Detail(429, "Too many requests. Please slow down.");
}

HttpResponse WritesonicFake::InternalError(const Call&) const {
  return Detail(500, "Internal Server Error");
}

HttpResponse WritesonicFake::Route(const Call& call) {
  std::vector<std::string_view> s = PathSegments(call.path);
  // /v2/business/content/{template}; the older /v1 path answers the same way.
  if (s.size() == 4 && (s[0] == "v2" || s[0] == "v1") && s[1] == "business" && s[2] == "content" &&
      IsSlug(s[3])) {
    if (call.method != "POST") {
      return Detail(405, "Method Not Allowed");
    }
    return s[3] == "chatsonic" ? Chatsonic(call) : Content(call, s[3]);
  }
  return Detail(404, "Not Found");
}

}  // namespace bulwark::sandbox
