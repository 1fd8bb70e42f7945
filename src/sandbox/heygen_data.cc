// File: heygen_data.cc
#include "sandbox/heygen_data.h"

#include <algorithm>

#include <fmt/format.h>

#include "sandbox/vendor_fake.h"

namespace bulwark::sandbox::heygen_internal {

using nlohmann::json;

bool IsNonEmptyString(const json& object, std::string_view field) {
  auto it = object.find(field);
  return it != object.end() && it->is_string() && !it->get_ref<const std::string&>().empty();
}

double SpeechSeconds(const std::string& text) {
  size_t words = 0;
  bool in_word = false;
  for (char c : text) {
    bool space = c == ' ' || c == '\n' || c == '\t' || c == '\r';
    if (!space && !in_word) {
      ++words;
    }
    in_word = !space;
  }
  return std::max(1.0, static_cast<double>(words) / 2.5);
}

std::optional<std::string> CheckVideoInput(const json& input, size_t index, double* seconds,
                                           bool* fail) {
  std::string at = fmt::format("video_inputs.{}", index);
  if (!input.is_object()) {
    return fmt::format("{} is invalid: value is not a valid dict", at);
  }
  auto character = input.find("character");
  if (character == input.end() || !character->is_object()) {
    return fmt::format("{}.character is invalid: field required", at);
  }
  std::string type = JsonString(*character, "type", "");
  if (type == "avatar") {
    if (!IsNonEmptyString(*character, "avatar_id")) {
      return fmt::format("{}.character.avatar_id is invalid: field required", at);
    }
  } else if (type == "talking_photo") {
    if (!IsNonEmptyString(*character, "talking_photo_id")) {
      return fmt::format("{}.character.talking_photo_id is invalid: field required", at);
    }
  } else {
    return fmt::format(
        "{}.character.type is invalid: value is not a valid enumeration member; permitted: "
        "'avatar', 'talking_photo'",
        at);
  }
  auto voice = input.find("voice");
  if (voice == input.end() || !voice->is_object()) {
    return fmt::format("{}.voice is invalid: field required", at);
  }
  std::string voice_type = JsonString(*voice, "type", "");
  if (voice_type == "text") {
    if (!IsNonEmptyString(*voice, "voice_id")) {
      return fmt::format("{}.voice.voice_id is invalid: field required", at);
    }
    if (!IsNonEmptyString(*voice, "input_text")) {
      return fmt::format("{}.voice.input_text is invalid: field required", at);
    }
    const auto& text = (*voice)["input_text"].get_ref<const std::string&>();
    if (text.size() > kMaxScriptChars) {
      return fmt::format("{}.voice.input_text is invalid: text is longer than {} characters", at,
                         kMaxScriptChars);
    }
    *seconds += SpeechSeconds(text);
    *fail = *fail || text.find("sandbox:fail") != std::string::npos;
  } else if (voice_type == "audio") {
    if (!IsNonEmptyString(*voice, "audio_url") && !IsNonEmptyString(*voice, "audio_asset_id")) {
      return fmt::format("{}.voice.audio_url is invalid: field required", at);
    }
    *seconds += 10;  // the sandbox does not fetch audio; a fixed length stands in
  } else if (voice_type == "silence") {
    double duration = 1;
    if (auto it = voice->find("duration"); it != voice->end() && it->is_number()) {
      duration = it->get<double>();
    }
    if (duration < 1 || duration > 100) {
      return fmt::format("{}.voice.duration is invalid: must be between 1 and 100", at);
    }
    *seconds += duration;
  } else {
    return fmt::format(
        "{}.voice.type is invalid: value is not a valid enumeration member; permitted: 'text', "
        "'audio', 'silence'",
        at);
  }
  return std::nullopt;
}

const json& Avatars() {
  static const json* avatars =
      new json{{"avatars",
                {{{"avatar_id", "Daisy-inskirt-20220818"},
                  {"avatar_name", "Daisy (sandbox)"},
                  {"gender", "female"},
                  {"preview_image_url", "https://sandbox.invalid/avatars/daisy.webp"},
                  {"preview_video_url", "https://sandbox.invalid/avatars/daisy.mp4"},
                  {"premium", false}},
                 {{"avatar_id", "Tyler-incasualsuit-20220721"},
                  {"avatar_name", "Tyler (sandbox)"},
                  {"gender", "male"},
                  {"preview_image_url", "https://sandbox.invalid/avatars/tyler.webp"},
                  {"preview_video_url", "https://sandbox.invalid/avatars/tyler.mp4"},
                  {"premium", false}}}},
               {"talking_photos",
                {{{"talking_photo_id", "sandbox_talking_photo_1"},
                  {"talking_photo_name", "Sandbox photo"},
                  {"preview_image_url", "https://sandbox.invalid/photos/1.webp"}}}}};
  return *avatars;
}

const json& Voices() {
  static const json* voices =
      new json{{"voices",
                {{{"voice_id", "2d5b0e6cf36f460aa7fc47e3eee4ba54"},
                  {"language", "English"},
                  {"gender", "female"},
                  {"name", "Sandbox Ava"},
                  {"preview_audio", "https://sandbox.invalid/voices/ava.mp3"},
                  {"support_pause", true},
                  {"emotion_support", true},
                  {"support_interactive_avatar", false},
                  {"support_locale", false}},
                 {{"voice_id", "1bd001e7e50f421d891986aad5158bc8"},
                  {"language", "English"},
                  {"gender", "male"},
                  {"name", "Sandbox Ben"},
                  {"preview_audio", "https://sandbox.invalid/voices/ben.mp3"},
                  {"support_pause", true},
                  {"emotion_support", false},
                  {"support_interactive_avatar", false},
                  {"support_locale", false}}}}};
  return *voices;
}

const std::vector<Template>& Templates() {
  static const auto* templates = new std::vector<Template>{
      {"sbx_tpl_welcome", "Sandbox welcome", "landscape"},
      {"sbx_tpl_promo", "Sandbox promo", "portrait"},
  };
  return *templates;
}

const Template* FindTemplate(std::string_view id) {
  for (const Template& t : Templates()) {
    if (t.id == id) {
      return &t;
    }
  }
  return nullptr;
}

const std::vector<std::string>& TargetLanguages() {
  static const auto* languages = new std::vector<std::string>{
      "English", "Spanish", "French",   "German", "Italian", "Portuguese",
      "Dutch",   "Polish",  "Japanese", "Korean", "Chinese", "Hindi"};
  return *languages;
}

}  // namespace bulwark::sandbox::heygen_internal
