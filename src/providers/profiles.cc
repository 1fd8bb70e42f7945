// The built-in provider profiles. Facts come from ../shared/providers.md; operation names
// are the scope names fixed by CONTRACT.md section 7.
#include "providers/profile.h"

namespace bulwark {
namespace {

const std::vector<Profile>& Profiles() {
  static const std::vector<Profile> profiles = {
      {
          .name = "heygen",
          .auth_header = "X-Api-Key",
          .auth_scheme = "",
          .error_shape = ErrorShape::kHeygen,
          .operations =
              {
                  // v2
                  {"GET", "/v2/avatars", "avatars.list", {}},
                  {"GET", "/v2/avatar/{id}/details", "avatars.list", {}},
                  {"GET", "/v2/voices", "voices.list", {}},
                  {"POST",
                   "/v2/video/generate",
                   "video.generate",
                   {"video_inputs[].voice.input_text", "title"},
                   {"video_inputs[].character", "video_inputs[].voice", "video_inputs[].background",
                    "video_inputs[].text", "dimension", "aspect_ratio", "test", "caption", "title",
                    "callback_id", "callback_url", "folder_id"},
                   /*billing_unit=*/"video_seconds"},
                  {"GET", "/v2/templates", "templates.list", {}},
                  {"GET", "/v2/template/{id}", "template.get", {}},
                  {"POST",
                   "/v2/template/{id}/generate",
                   "template.generate",
                   {"variables.*.properties.content", "title"},
                   {"variables", "title", "test", "caption", "dimension", "callback_id",
                    "callback_url", "folder_id"}},
                  {"GET", "/v2/user/remaining_quota", "quota.get", {}},
                  {"GET", "/v2/video_translate/target_languages", "translate.languages", {}},
                  {"POST",
                   "/v2/video_translate",
                   "translate.create",
                   {"title"},
                   {"video_url", "output_language", "title", "translate_audio_only", "speaker_num",
                    "callback_id", "callback_url"}},
                  {"GET", "/v2/video_translate/{id}", "translate.status", {}},
                  // v1
                  {"GET", "/v1/avatar.list", "avatars.list", {}},
                  {"GET", "/v1/voice.list", "voices.list", {}},
                  {"GET", "/v1/video_status.get", "video.status", {}},
                  {"GET", "/v1/video.list", "video.list", {}},
                  {"DELETE", "/v1/video.delete", "video.delete", {}},
                  {"POST", "/v1/video.delete", "video.delete", {}},
                  {"GET", "/v1/webhook/webhook.list", "webhooks.manage", {}},
                  {"POST", "/v1/webhook/endpoint.add", "webhooks.manage", {}, {"url", "events"}},
                  {"GET", "/v1/webhook/endpoint.list", "webhooks.manage", {}},
                  {"DELETE", "/v1/webhook/endpoint.delete", "webhooks.manage", {}},
                  // v3
                  {"POST",
                   "/v3/videos",
                   "videos.create",
                   {"script", "input_text", "title", "video_inputs[].voice.input_text"},
                   /*allowed_fields=*/{},
                   /*billing_unit=*/"video_seconds",
                   /*inject_idempotency_key=*/true},
                  {"GET", "/v3/videos", "videos.list", {}},
                  {"GET", "/v3/videos/{id}", "videos.get", {}},
                  {"DELETE", "/v3/videos/{id}", "videos.delete", {}},
                  {"GET", "/v3/avatars", "avatars.list", {}},
                  {"GET", "/v3/avatars/{id}", "avatars.list", {}},
                  {"GET", "/v3/voices", "voices.list", {}},
                  {"GET", "/v3/templates", "templates.list", {}},
                  {"GET", "/v3/templates/{id}", "template.get", {}},
                  {"GET", "/v3/users/me", "quota.get", {}},
                  {"POST", "/v3/video-translations", "translate.create", {"title"}},
                  {"GET", "/v3/video-translations/{id}", "translate.status", {}},
                  {"*", "/v3/webhooks/endpoints", "webhooks.manage", {}},
                  {"*", "/v3/webhooks/endpoints/{id}", "webhooks.manage", {}},
                  {"POST", "/v3/webhooks/endpoints/{id}/rotate-secret", "webhooks.manage", {}},
                  {"GET", "/v3/webhooks/event-types", "webhooks.manage", {}},
                  {"GET", "/v3/webhooks/events", "webhooks.manage", {}},
              },
      },
      {
          .name = "writesonic",
          .auth_header = "X-API-KEY",
          .auth_scheme = "",
          .error_shape = ErrorShape::kWritesonic,
          .operations =
              {
                  {"POST",
                   "/v2/business/content/chatsonic",
                   "chatsonic",
                   {"input_text", "history_data[].message"},
                   {"input_text", "enable_google_results", "enable_memory",
                    "history_data[].is_sent", "history_data[].message"}},
                  {"POST",
                   "/v2/business/content/{template}",
                   "content",
                   {"input_text", "topic", "primary_keyword", "keywords", "product_name",
                    "product_characteristics", "description", "content_to_rephrase", "search_term",
                    "article_title", "article_intro", "article_sections[]"}},
                  {"POST",
                   "/v1/business/content/{template}",
                   "content",
                   {"input_text", "topic", "product_name", "description"}},
              },
      },
      {
          .name = "openai",
          .auth_header = "Authorization",
          .auth_scheme = "Bearer",
          .error_shape = ErrorShape::kOpenAi,
          .operations =
              {
                  {"POST",
                   "/v1/chat/completions",
                   "chat.completions",
                   {"messages[].content", "messages[].content[].text"},
                   {"model",
                    "messages",
                    "stream",
                    "stream_options",
                    "temperature",
                    "top_p",
                    "n",
                    "stop",
                    "max_tokens",
                    "max_completion_tokens",
                    "presence_penalty",
                    "frequency_penalty",
                    "logit_bias",
                    "logprobs",
                    "top_logprobs",
                    "user",
                    "seed",
                    "tools",
                    "tool_choice",
                    "parallel_tool_calls",
                    "response_format",
                    "functions",
                    "function_call",
                    "service_tier",
                    "store",
                    "metadata",
                    "modalities",
                    "audio",
                    "prediction",
                    "reasoning_effort",
                    "web_search_options"}},
                  {"POST",
                   "/v1/responses",
                   "responses",
                   {"input", "input[].content", "input[].content[].text", "instructions"}},
                  {"POST",
                   "/v1/embeddings",
                   "embeddings",
                   {"input", "input[]"},
                   {"input", "model", "encoding_format", "dimensions", "user"}},
                  {"GET", "/v1/models", "models.list", {}},
                  {"GET", "/v1/models/{id}", "models.list", {}},
              },
      },
  };
  return profiles;
}

bool MatchPattern(std::string_view pattern, std::string_view path) {
  while (!pattern.empty() && !path.empty()) {
    if (pattern.front() != '/' || path.front() != '/') return false;
    pattern.remove_prefix(1);
    path.remove_prefix(1);
    size_t pe = pattern.find('/');
    size_t se = path.find('/');
    std::string_view pseg = pattern.substr(0, pe);
    std::string_view sseg = path.substr(0, se);
    bool wildcard = pseg.size() >= 2 && pseg.front() == '{' && pseg.back() == '}';
    if (wildcard ? sseg.empty() : pseg != sseg) return false;
    pattern = pe == std::string_view::npos ? std::string_view() : pattern.substr(pe);
    path = se == std::string_view::npos ? std::string_view() : path.substr(se);
  }
  return pattern.empty() && path.empty();
}

}  // namespace

const Profile* FindProfile(std::string_view name) {
  for (const Profile& p : Profiles()) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

std::vector<std::string_view> ProfileNames() {
  std::vector<std::string_view> out;
  for (const Profile& p : Profiles()) out.push_back(p.name);
  return out;
}

const Operation* MatchOperation(const Profile& profile, std::string_view method,
                                std::string_view path) {
  for (const Operation& op : profile.operations) {
    if ((op.method == "*" || op.method == method) && MatchPattern(op.pattern, path)) return &op;
  }
  return nullptr;
}

}  // namespace bulwark
