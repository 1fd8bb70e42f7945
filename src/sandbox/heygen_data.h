// File: heygen_data.h
// The HeyGen fake's fixtures (avatars, voices, templates, translation languages) and the
// validation of v2 video_inputs, kept apart from the request handling in heygen_fake.cc.
// Internal to src/sandbox.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace bulwark::sandbox::heygen_internal {

constexpr size_t kMaxScriptChars = 5000;

// True when object[field] is a non-empty string.
bool IsNonEmptyString(const nlohmann::json& object, std::string_view field);

// Speaking time of a script at about 150 words a minute; at least a second.
double SpeechSeconds(const std::string& text);

// Checks one v2 video_inputs entry, adding its length to *seconds and setting *fail when
// its script asks for a failed video. On failure returns the v2 error message.
std::optional<std::string> CheckVideoInput(const nlohmann::json& input, size_t index,
                                           double* seconds, bool* fail);

// GET /v2/avatars and GET /v2/voices data.
const nlohmann::json& Avatars();
const nlohmann::json& Voices();

struct Template {
  std::string_view id;
  std::string_view name;
  std::string_view aspect_ratio;
};
const std::vector<Template>& Templates();
const Template* FindTemplate(std::string_view id);  // nullptr when unknown

// Language names accepted by POST /v2/video_translate.
const std::vector<std::string>& TargetLanguages();

}  // namespace bulwark::sandbox::heygen_internal
