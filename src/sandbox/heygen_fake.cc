// File: heygen_fake.cc
#include "sandbox/heygen_fake.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include <fmt/format.h>

#include "base/random.h"
#include "sandbox/heygen_data.h"

namespace bulwark::sandbox {
namespace {

using heygen_internal::Avatars;
using heygen_internal::CheckVideoInput;
using heygen_internal::FindTemplate;
using heygen_internal::IsNonEmptyString;
using heygen_internal::kMaxScriptChars;
using heygen_internal::SpeechSeconds;
using heygen_internal::TargetLanguages;
using heygen_internal::Template;
using heygen_internal::Templates;
using heygen_internal::Voices;
using nlohmann::json;

constexpr std::string_view kDocUrl = "https://developers.heygen.com/docs/error-codes";
constexpr size_t kMaxVideos = 10000;  // oldest are forgotten beyond this: memory stays bounded
constexpr size_t kMaxIdempotencyKeys = 10000;
constexpr double kTestCapSeconds = 60;
constexpr double kQuotaSeconds = 36000;  // 600 credits (credits = quota / 60)

enum class Api { kV1, kV2, kV3 };

Api ApiOf(std::string_view path) {
  if (path.starts_with("/v1/")) {
    return Api::kV1;
  }
  if (path.starts_with("/v3/") || path == "/v3") {
    return Api::kV3;
  }
  return Api::kV2;
}

HttpResponse V1Ok(const json& data) {
  return JsonResponse(200, {{"code", 100}, {"data", data}, {"message", "Success"}});
}

HttpResponse V1Error(int status, int code, std::string_view message) {
  return JsonResponse(status, {{"code", code}, {"message", message}});
}

HttpResponse V2Ok(const json& data) {
  return JsonResponse(200, {{"error", nullptr}, {"data", data}});
}

HttpResponse V2Error(int status, std::string_view code, std::string_view message) {
  return JsonResponse(status,
                      {{"data", nullptr}, {"error", {{"code", code}, {"message", message}}}});
}

HttpResponse V3Error(int status, std::string_view code, std::string_view message,
                     std::optional<std::string_view> param = std::nullopt) {
  json error = {{"code", code}, {"message", message}, {"doc_url", kDocUrl}};
  error["param"] = param ? json(*param) : json(nullptr);
  return JsonResponse(status, {{"error", error}});
}

HttpResponse NotFound(Api api, std::string_view what) {
  switch (api) {
    case Api::kV1:
      return V1Error(404, 404, what);
    case Api::kV3:
      return V3Error(404, "not_found", what);
    case Api::kV2:
      break;
  }
  return V2Error(404, "not_found", what);
}

bool ValidIdempotencyKey(std::string_view key) {
  if (key.empty() || key.size() > 255) {
    return false;
  }
  return std::all_of(key.begin(), key.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == ':' || c == '.' || c == '-';
  });
}

json DurationJson(double seconds) { return std::round(seconds * 1000) / 1000; }

}  // namespace

HeyGenFake::HeyGenFake(std::string key, std::chrono::milliseconds video_time)
    : key_(std::move(key)), video_time_(video_time) {}

std::optional<HttpResponse> HeyGenFake::Authenticate(const Call& call) const {
  if (call.path.starts_with("/sandbox-files/")) {
    return std::nullopt;  // media links are public, as signed vendor URLs are
  }
  std::optional<std::string_view> api_key = call.Header("x-api-key");
  if (ApiOf(call.path) == Api::kV3) {
    std::optional<std::string_view> bearer = BearerToken(*call.headers);
    if ((api_key && *api_key == key_) || (!api_key && bearer && *bearer == key_)) {
      return std::nullopt;
    }
    return V3Error(401, "unauthorized", "Invalid or missing API key.");
  }
  if (api_key && *api_key == key_) {
    return std::nullopt;
  }
  return V1Error(401, 400112, "Unauthorized");
}

HttpResponse HeyGenFake::TooManyRequests(const Call& call) const {
  switch (ApiOf(call.path)) {
    case Api::kV1:
      // HeyGen documents no numeric code for this; the HTTP status is reused.
      return V1Error(429, 429, "Too many requests, please retry later.");
    case Api::kV3:
      return V3Error(429, "rate_limit_exceeded", "Too many requests, please retry later.");
    case Api::kV2:
      break;
  }
  return V2Error(429, "rate_limit_exceeded", "Too many requests, please retry later.");
}

HttpResponse HeyGenFake::InternalError(const Call& call) const {
  switch (ApiOf(call.path)) {
    case Api::kV1:
      return V1Error(500, 500, "Internal server error");
    case Api::kV3:
      return V3Error(500, "internal_error", "Internal server error");
    case Api::kV2:
      break;
  }
  return V2Error(500, "internal_error", "Internal server error");
}

HttpResponse HeyGenFake::Route(const Call& call) {
  std::vector<std::string_view> segments = PathSegments(call.path);
  if (call.path.starts_with("/sandbox-files/") && segments.size() == 2 && call.method == "GET") {
    return SandboxFile(segments[1]);
  }
  switch (ApiOf(call.path)) {
    case Api::kV1:
      return RouteV1(call, segments);
    case Api::kV3:
      return RouteV3Idempotent(call, segments);
    case Api::kV2:
      break;
  }
  return RouteV2(call, segments);
}

HttpResponse HeyGenFake::RouteV1(const Call& call, const std::vector<std::string_view>& segments) {
  if (segments.size() == 2) {
    if (call.method == "GET" && segments[1] == "video_status.get") {
      return V1VideoStatusGet(call);
    }
    if (call.method == "GET" && segments[1] == "video.list") {
      return V1VideoList(call);
    }
    if (call.method == "DELETE" && segments[1] == "video.delete") {
      return V1VideoDelete(call);
    }
  }
  return NotFound(Api::kV1, "Not Found");
}

HttpResponse HeyGenFake::RouteV2(const Call& call, const std::vector<std::string_view>& s) {
  const bool get = call.method == "GET";
  const bool post = call.method == "POST";
  if (s.size() < 2 || s[0] != "v2") {
    return NotFound(Api::kV2, "Not Found");
  }
  if (s.size() == 2) {
    if (get && s[1] == "avatars") {
      return V2Ok(Avatars());
    }
    if (get && s[1] == "voices") {
      return V2Ok(Voices());
    }
    if (get && s[1] == "templates") {
      json templates = json::array();
      for (const Template& t : Templates()) {
        templates.push_back({{"template_id", t.id},
                             {"name", t.name},
                             {"thumbnail_image_url",
                              fmt::format("https://sandbox.invalid/templates/{}.webp", t.id)},
                             {"aspect_ratio", t.aspect_ratio}});
      }
      return V2Ok({{"templates", templates}});
    }
    if (post && s[1] == "video_translate") {
      return CreateTranslation(call);
    }
  } else if (s.size() == 3) {
    if (post && s[1] == "video" && s[2] == "generate") {
      return GenerateVideo(call);
    }
    if (get && s[1] == "template") {
      return GetTemplate(s[2]);
    }
    if (get && s[1] == "user" && s[2] == "remaining_quota") {
      return V2Quota();
    }
    if (get && s[1] == "video_translate" && s[2] == "target_languages") {
      return V2Ok({{"languages", TargetLanguages()}});
    }
    if (get && s[1] == "video_translate") {
      return GetTranslation(call, s[2]);
    }
  } else if (s.size() == 4 && post && s[1] == "template" && s[3] == "generate") {
    return GenerateFromTemplate(call, s[2]);
  }
  return NotFound(Api::kV2, "Not Found");
}

HttpResponse HeyGenFake::RouteV3Idempotent(const Call& call,
                                           const std::vector<std::string_view>& segments) {
  std::optional<std::string_view> key = call.Header("idempotency-key");
  if (!key || (call.method != "POST" && call.method != "DELETE")) {
    return RouteV3(call, segments);
  }
  if (!ValidIdempotencyKey(*key)) {
    return V3Error(400, "invalid_parameter",
                   "Idempotency-Key must be 1-255 characters of [A-Za-z0-9_:.-].",
                   "Idempotency-Key");
  }
  std::string fingerprint = fmt::format("{} {}\n{}", call.method, call.path, call.body);
  std::string stored_key(*key);
  {
    absl::MutexLock lock(&mu_);
    auto it = idempotency_.find(stored_key);
    if (it != idempotency_.end() && call.now - it->second.at > std::chrono::hours(24)) {
      idempotency_.erase(it);  // a key is remembered for 24 hours, as HeyGen's
      it = idempotency_.end();
    }
    if (it != idempotency_.end()) {
      if (it->second.fingerprint != fingerprint) {
        return V3Error(422, "idempotency_key_reused",
                       "This Idempotency-Key was already used with a different request.",
                       "Idempotency-Key");
      }
      if (it->second.in_flight) {
        return V3Error(409, "request_in_progress",
                       "A request with this Idempotency-Key is still in progress.");
      }
      HttpResponse replay = it->second.response;
      replay.headers.emplace_back("Idempotent-Replayed", "true");
      return replay;
    }
    if (idempotency_.size() >= kMaxIdempotencyKeys) {
      auto oldest =
          std::min_element(idempotency_.begin(), idempotency_.end(),
                           [](const auto& a, const auto& b) { return a.second.at < b.second.at; });
      idempotency_.erase(oldest);
    }
    idempotency_[stored_key] = IdempotentEntry{fingerprint, true, {}, call.now};
  }
  HttpResponse response = RouteV3(call, segments);
  absl::MutexLock lock(&mu_);
  auto it = idempotency_.find(stored_key);
  if (it != idempotency_.end()) {
    if (response.status >= 500) {
      idempotency_.erase(it);  // a failed attempt may be retried with the same key
    } else {
      it->second.in_flight = false;
      it->second.response = response;
    }
  }
  return response;
}

HttpResponse HeyGenFake::RouteV3(const Call& call, const std::vector<std::string_view>& s) {
  if (s.size() >= 2 && s[1] == "videos") {
    if (s.size() == 2 && call.method == "POST") {
      return V3CreateVideo(call);
    }
    if (s.size() == 2 && call.method == "GET") {
      return V3ListVideos(call);
    }
    if (s.size() == 3 && call.method == "GET") {
      return V3GetVideo(call, s[2]);
    }
    if (s.size() == 3 && call.method == "DELETE") {
      return V3DeleteVideo(s[2]);
    }
  }
  return NotFound(Api::kV3, "The requested resource was not found.");
}

std::string HeyGenFake::StatusAt(const Video& video, Clock::time_point now) const {
  auto elapsed = now - video.created;
  if (elapsed >= video_time_) {
    return video.fail ? "failed" : "completed";
  }
  if (elapsed < video_time_ / 3) {
    return "pending";
  }
  return "processing";
}

std::string HeyGenFake::FileUrl(const Call& call, const std::string& id,
                                std::string_view ext) const {
  // Signed like the vendor's links, valid for 7 days and re-signed on every call.
  int64_t expires = UnixSeconds(call.now + std::chrono::hours(24 * 7));
  std::string host = call.host.empty() ? "127.0.0.1:8090" : call.host;
  return fmt::format("http://{}/heygen/sandbox-files/{}.{}?Expires={}&Signature=sandbox", host, id,
                     ext, expires);
}

nlohmann::json HeyGenFake::V1VideoStatus(const Call& call, const Video& video) const {
  std::string status = StatusAt(video, call.now);
  bool done = status == "completed";
  json data = {{"id", video.id},
               {"status", status},
               {"video_url", nullptr},
               {"video_url_caption", nullptr},
               {"thumbnail_url", nullptr},
               {"gif_url", nullptr},
               {"caption_url", nullptr},
               {"duration", nullptr},
               {"callback_id", video.callback_id},
               {"created_at", UnixSeconds(video.created)},
               {"error", nullptr}};
  if (done) {
    data["video_url"] = FileUrl(call, video.id, "mp4");
    data["thumbnail_url"] = FileUrl(call, video.id, "jpg");
    data["gif_url"] = FileUrl(call, video.id, "gif");
    data["duration"] = DurationJson(video.duration);
    if (video.caption) {
      data["video_url_caption"] = FileUrl(call, video.id + "_caption", "mp4");
      data["caption_url"] = FileUrl(call, video.id, "vtt");
    }
  } else if (status == "failed") {
    data["error"] = {{"code", 40119},
                     {"message", "Video is too long"},
                     {"detail", "The sandbox failed this video because its script asked to."}};
  }
  return data;
}

nlohmann::json HeyGenFake::V3Video(const Call& call, const Video& video) const {
  std::string status = StatusAt(video, call.now);
  bool done = status == "completed";
  json out = {{"id", video.id},
              {"title", video.title},
              {"status", status},
              {"video_url", nullptr},
              {"thumbnail_url", nullptr},
              {"gif_url", nullptr},
              {"captioned_video_url", nullptr},
              {"subtitle_url", nullptr},
              {"duration", nullptr},
              {"created_at", UnixSeconds(video.created)},
              {"completed_at", nullptr},
              {"failure_code", nullptr},
              {"failure_message", nullptr},
              {"callback_id", video.callback_id}};
  if (done) {
    out["video_url"] = FileUrl(call, video.id, "mp4");
    out["thumbnail_url"] = FileUrl(call, video.id, "jpg");
    out["gif_url"] = FileUrl(call, video.id, "gif");
    out["subtitle_url"] = FileUrl(call, video.id, "srt");
    if (video.caption) {
      out["captioned_video_url"] = FileUrl(call, video.id + "_caption", "mp4");
    }
    out["duration"] = DurationJson(video.duration);
  } else if (status == "failed") {
    out["failure_code"] = "video_too_long";
    out["failure_message"] = "The sandbox failed this video because its script asked to.";
  }
  if (done || status == "failed") {
    out["completed_at"] =
        UnixSeconds(video.created + std::chrono::duration_cast<Clock::duration>(video_time_));
  }
  return out;
}

std::string HeyGenFake::AddVideo(Video video) {
  video.id = RandomHex(16);
  if (video.test) {
    video.duration = std::min(video.duration, kTestCapSeconds);
  }
  std::string id = video.id;
  absl::MutexLock lock(&mu_);
  if (!video.test) {
    used_seconds_ += video.duration;
  }
  video_order_.push_back(id);
  videos_[id] = std::move(video);
  if (video_order_.size() > kMaxVideos) {
    videos_.erase(video_order_.front());
    video_order_.erase(video_order_.begin());
  }
  return id;
}

HttpResponse HeyGenFake::GenerateVideo(const Call& call) {
  std::optional<json> body = ParseJson(call.body);
  if (!body || !body->is_object()) {
    return V2Error(400, "invalid_parameter", "Invalid JSON body");
  }
  auto inputs = body->find("video_inputs");
  if (inputs == body->end() || inputs->is_null()) {
    return V2Error(400, "invalid_parameter", "video_inputs is invalid: field required");
  }
  if (!inputs->is_array() || inputs->empty() || inputs->size() > 50) {
    return V2Error(400, "invalid_parameter",
                   "video_inputs is invalid: must be a list of 1 to 50 items");
  }
  Video video;
  for (size_t i = 0; i < inputs->size(); ++i) {
    if (auto error = CheckVideoInput((*inputs)[i], i, &video.duration, &video.fail)) {
      return V2Error(400, "invalid_parameter", *error);
    }
  }
  if (auto dim = body->find("dimension"); dim != body->end() && !dim->is_null()) {
    auto in_range = [&](const char* field) {
      auto it = dim->find(field);
      return it != dim->end() && it->is_number_integer() && it->get<int64_t>() >= 128 &&
             it->get<int64_t>() <= 4096;
    };
    if (!dim->is_object() || !in_range("width") || !in_range("height")) {
      return V2Error(400, "invalid_parameter",
                     "dimension is invalid: width and height must be integers in 128..4096");
    }
  }
  video.test = JsonFlag(*body, "test");
  video.caption = JsonFlag(*body, "caption");
  video.title = JsonString(*body, "title", "");
  video.callback_id = body->value("callback_id", json(nullptr));
  video.created = call.now;
  return V2Ok({{"video_id", AddVideo(std::move(video))}});
}

HttpResponse HeyGenFake::GetTemplate(std::string_view template_id) const {
  const Template* t = FindTemplate(template_id);
  if (t == nullptr) {
    return V2Error(404, "not_found", "Template not found");
  }
  auto text_var = [](std::string_view name, std::string_view content) {
    return json{{"name", name}, {"type", "text"}, {"properties", {{"content", content}}}};
  };
  return V2Ok({{"template_id", t->id},
               {"name", t->name},
               {"aspect_ratio", t->aspect_ratio},
               {"variables",
                {{"first_name", text_var("first_name", "there")},
                 {"company", text_var("company", "Example Corp")}}}});
}

HttpResponse HeyGenFake::GenerateFromTemplate(const Call& call, std::string_view template_id) {
  if (FindTemplate(template_id) == nullptr) {
    return V2Error(404, "not_found", "Template not found");
  }
  std::optional<json> body = ParseJson(call.body);
  if (!body || !body->is_object()) {
    return V2Error(400, "invalid_parameter", "Invalid JSON body");
  }
  Video video;
  video.duration = 5;  // the template's fixed scenes
  if (auto vars = body->find("variables"); vars != body->end() && !vars->is_null()) {
    if (!vars->is_object()) {
      return V2Error(400, "invalid_parameter", "variables is invalid: value is not a valid dict");
    }
    for (const auto& [name, var] : vars->items()) {
      if (!var.is_object() || !var.contains("type")) {
        return V2Error(400, "invalid_parameter",
                       fmt::format("variables.{}.type is invalid: field required", name));
      }
      json content;
      if (auto props = var.find("properties"); props != var.end() && props->is_object()) {
        content = props->value("content", json());
      }
      if (content.is_string()) {
        const auto& text = content.get_ref<const std::string&>();
        video.duration += SpeechSeconds(text);
        video.fail = video.fail || text.find("sandbox:fail") != std::string::npos;
      }
    }
  }
  video.test = JsonFlag(*body, "test");
  video.caption = JsonFlag(*body, "caption");
  video.title = JsonString(*body, "title", "");
  video.callback_id = body->value("callback_id", json(nullptr));
  video.created = call.now;
  return V2Ok({{"video_id", AddVideo(std::move(video))}});
}

HttpResponse HeyGenFake::V2Quota() {
  absl::MutexLock lock(&mu_);
  auto remaining = static_cast<int64_t>(std::max(0.0, kQuotaSeconds - used_seconds_));
  return V2Ok({{"remaining_quota", remaining}, {"details", {{"api", remaining}}}});
}

HttpResponse HeyGenFake::CreateTranslation(const Call& call) {
  std::optional<json> body = ParseJson(call.body);
  if (!body || !body->is_object()) {
    return V2Error(400, "invalid_parameter", "Invalid JSON body");
  }
  if (!IsNonEmptyString(*body, "video_url")) {
    return V2Error(400, "invalid_parameter", "video_url is invalid: field required");
  }
  if (!IsNonEmptyString(*body, "output_language")) {
    return V2Error(400, "invalid_parameter", "output_language is invalid: field required");
  }
  std::string language = (*body)["output_language"];
  const auto& languages = TargetLanguages();
  if (std::find(languages.begin(), languages.end(), language) == languages.end()) {
    return V2Error(400, "invalid_parameter",
                   fmt::format("output_language is invalid: unsupported language '{}'", language));
  }
  Translation translation{RandomHex(16), call.now, JsonString(*body, "title", ""), language};
  std::string id = translation.id;
  absl::MutexLock lock(&mu_);
  if (translations_.size() >= kMaxVideos) {
    translations_.erase(translations_.begin());
  }
  translations_[id] = std::move(translation);
  return V2Ok({{"video_translate_id", id}});
}

HttpResponse HeyGenFake::GetTranslation(const Call& call, std::string_view id) {
  absl::MutexLock lock(&mu_);
  auto it = translations_.find(id);
  if (it == translations_.end()) {
    return V2Error(404, "not_found", "Video translate not found");
  }
  const Translation& t = it->second;
  auto elapsed = call.now - t.created;
  // Translation has its own vocabulary: pending / running / success / failed.
  std::string status = elapsed >= video_time_      ? "success"
                       : elapsed < video_time_ / 3 ? "pending"
                                                   : "running";
  json url = status == "success" ? json(FileUrl(call, t.id, "mp4")) : json(nullptr);
  return V2Ok({{"video_translate_id", t.id},
               {"title", t.title},
               {"output_language", t.output_language},
               {"status", status},
               {"url", url},
               {"message", nullptr}});
}

HttpResponse HeyGenFake::V1VideoStatusGet(const Call& call) {
  std::optional<std::string> id = call.Query("video_id");
  if (!id || id->empty()) {
    return V1Error(400, 40001, "Missing required parameter: video_id");
  }
  absl::MutexLock lock(&mu_);
  auto it = videos_.find(*id);
  if (it == videos_.end()) {
    return V1Error(404, 40031, "Invalid video id");
  }
  return V1Ok(V1VideoStatus(call, it->second));
}

HttpResponse HeyGenFake::V1VideoList(const Call& call) {
  json videos = json::array();
  absl::MutexLock lock(&mu_);
  for (auto it = video_order_.rbegin(); it != video_order_.rend(); ++it) {
    const Video& video = videos_.at(*it);
    videos.push_back({{"video_id", video.id},
                      {"video_title", video.title},
                      {"status", StatusAt(video, call.now)},
                      {"created_at", UnixSeconds(video.created)},
                      {"type", "GENERATED"}});
  }
  return V1Ok({{"videos", videos}, {"token", nullptr}});
}

HttpResponse HeyGenFake::V1VideoDelete(const Call& call) {
  std::optional<std::string> id = call.Query("video_id");
  if (!id || id->empty()) {
    return V1Error(400, 40001, "Missing required parameter: video_id");
  }
  absl::MutexLock lock(&mu_);
  if (videos_.erase(*id) == 0) {
    return V1Error(404, 40031, "Invalid video id");
  }
  video_order_.erase(std::find(video_order_.begin(), video_order_.end(), *id));
  return V1Ok(nullptr);
}

HttpResponse HeyGenFake::V3CreateVideo(const Call& call) {
  std::optional<json> body = ParseJson(call.body);
  if (!body || !body->is_object()) {
    return V3Error(400, "invalid_request", "The request body is not valid JSON.");
  }
  std::string type = JsonString(*body, "type", "avatar");
  if (type == "avatar") {
    if (!IsNonEmptyString(*body, "avatar_id")) {
      return V3Error(400, "invalid_parameter", "avatar_id is required.", "avatar_id");
    }
  } else if (type == "image") {
    if (!IsNonEmptyString(*body, "image_url") && !IsNonEmptyString(*body, "image_asset_id")) {
      return V3Error(400, "invalid_parameter", "image_url or image_asset_id is required.",
                     "image_url");
    }
  } else {
    return V3Error(400, "invalid_parameter", "type must be one of 'avatar', 'image'.", "type");
  }
  Video video;
  bool has_script = IsNonEmptyString(*body, "script");
  bool has_audio =
      IsNonEmptyString(*body, "audio_url") || IsNonEmptyString(*body, "audio_asset_id");
  if (has_script == has_audio) {
    return V3Error(400, "invalid_parameter",
                   "Provide exactly one of script, audio_url or audio_asset_id.", "script");
  }
  if (has_script) {
    const auto& script = (*body)["script"].get_ref<const std::string&>();
    if (script.size() > kMaxScriptChars) {
      return V3Error(400, "invalid_parameter",
                     fmt::format("script must be at most {} characters.", kMaxScriptChars),
                     "script");
    }
    video.duration = SpeechSeconds(script);
    video.fail = script.find("sandbox:fail") != std::string::npos;
  } else {
    video.duration = 10;
  }
  video.test = JsonFlag(*body, "test");
  video.caption = body->contains("caption") && (*body)["caption"].is_object() &&
                  (*body)["caption"].contains("style");
  video.title = JsonString(*body, "title", "");
  video.callback_id = body->value("callback_id", json(nullptr));
  video.created = call.now;
  std::string id = AddVideo(std::move(video));
  return JsonResponse(200, {{"data", {{"video_id", id}, {"status", "pending"}}}});
}

HttpResponse HeyGenFake::V3ListVideos(const Call& call) {
  int64_t limit = 10;
  if (std::optional<std::string> text = call.Query("limit")) {
    char* end = nullptr;
    limit = std::strtoll(text->c_str(), &end, 10);
    if (text->empty() || *end != '\0' || limit < 1 || limit > 100) {
      return V3Error(400, "invalid_parameter", "limit must be an integer between 1 and 100.",
                     "limit");
    }
  }
  std::optional<std::string> token = call.Query("token");
  absl::MutexLock lock(&mu_);
  auto it = video_order_.rbegin();  // newest first
  if (token && !token->empty()) {
    // The token is the id of the first video of the next page.
    it = std::find(video_order_.rbegin(), video_order_.rend(), *token);
    if (it == video_order_.rend()) {
      return V3Error(400, "invalid_parameter", "token is invalid or expired.", "token");
    }
  }
  json data = json::array();
  for (; it != video_order_.rend() && std::cmp_less(data.size(), limit); ++it) {
    data.push_back(V3Video(call, videos_.at(*it)));
  }
  bool has_more = it != video_order_.rend();
  return JsonResponse(200, {{"data", data},
                            {"has_more", has_more},
                            {"next_token", has_more ? json(*it) : json(nullptr)}});
}

HttpResponse HeyGenFake::V3GetVideo(const Call& call, std::string_view id) {
  absl::MutexLock lock(&mu_);
  auto it = videos_.find(id);
  if (it == videos_.end()) {
    return V3Error(404, "not_found", "Video not found.", "video_id");
  }
  return JsonResponse(200, {{"data", V3Video(call, it->second)}});
}

HttpResponse HeyGenFake::V3DeleteVideo(std::string_view id) {
  absl::MutexLock lock(&mu_);
  auto it = videos_.find(id);
  if (it == videos_.end()) {
    return V3Error(404, "not_found", "Video not found.", "video_id");
  }
  std::string key = it->first;
  videos_.erase(it);
  video_order_.erase(std::find(video_order_.begin(), video_order_.end(), key));
  return JsonResponse(200, {{"data", {{"id", key}, {"deleted", true}}}});
}

HttpResponse HeyGenFake::SandboxFile(std::string_view name) const {
  // Placeholder bytes: enough for a client to download "the video" end to end.
  HttpResponse response;
  std::string_view type = name.ends_with(".mp4")   ? "video/mp4"
                          : name.ends_with(".jpg") ? "image/jpeg"
                          : name.ends_with(".gif") ? "image/gif"
                                                   : "text/plain";
  response.headers.emplace_back("Content-Type", std::string(type));
  response.body = fmt::format("bulwark sandbox placeholder for {}\n", name);
  return response;
}

}  // namespace bulwark::sandbox
