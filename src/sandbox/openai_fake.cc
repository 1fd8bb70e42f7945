// File: openai_fake.cc
#include "sandbox/openai_fake.h"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "base/random.h"

namespace bulwark::sandbox {
namespace {

using nlohmann::json;

constexpr std::string_view kModels[] = {"gpt-4o-mini", "gpt-4o", "text-embedding-3-small",
                                        "text-embedding-3-large"};
constexpr int64_t kModelsCreated = 1700000000;

HttpResponse Error(int status, std::string_view message, std::string_view type,
                   std::optional<std::string_view> param, std::optional<std::string_view> code) {
  return JsonResponse(status, {{"error",
                                {{"message", message},
                                 {"type", type},
                                 {"param", param ? json(*param) : json(nullptr)},
                                 {"code", code ? json(*code) : json(nullptr)}}}});
}

HttpResponse InvalidRequest(std::string_view message, std::optional<std::string_view> param) {
  return Error(400, message, "invalid_request_error", param, std::nullopt);
}

int64_t Tokens(std::string_view text) {
  return static_cast<int64_t>((text.size() + 3) / 4);  // OpenAI's rule of thumb
}

// The text of a message `content`: a string, or an array of parts with "text".
std::string ContentText(const json& content) {
  if (content.is_string()) {
    return content.get<std::string>();
  }
  std::string out;
  if (content.is_array()) {
    for (const json& part : content) {
      if (part.is_object() && part.contains("text") && part["text"].is_string()) {
        if (!out.empty()) {
          out += ' ';
        }
        out += part["text"].get<std::string>();
      }
    }
  }
  return out;
}

std::string SseEvent(const json& data) {
  return fmt::format("data: {}\n\n", data.dump(-1, ' ', false, json::error_handler_t::replace));
}

std::string SseNamedEvent(std::string_view name, const json& data) {
  return fmt::format("event: {}\ndata: {}\n\n", name,
                     data.dump(-1, ' ', false, json::error_handler_t::replace));
}

HttpResponse EventStream(std::string body) {
  HttpResponse response;
  response.headers.emplace_back("Content-Type", "text/event-stream");
  response.headers.emplace_back("Cache-Control", "no-cache");
  response.body = std::move(body);
  return response;
}

// Splits `text` into pieces that keep their trailing space, like streamed tokens.
std::vector<std::string> Pieces(const std::string& text) {
  std::vector<std::string> pieces;
  size_t start = 0;
  while (start < text.size()) {
    size_t space = text.find(' ', start);
    size_t end = space == std::string::npos ? text.size() : space + 1;
    pieces.push_back(text.substr(start, end - start));
    start = end;
  }
  return pieces;
}

HttpResponse ChatCompletions(const Call& call) {
  std::optional<json> body = ParseJson(call.body);
  if (!body || !body->is_object()) {
    return InvalidRequest("We could not parse the JSON body of your request.", std::nullopt);
  }
  if (!body->contains("model") || !(*body)["model"].is_string()) {
    return InvalidRequest("you must provide a model parameter", std::nullopt);
  }
  auto messages = body->find("messages");
  if (messages == body->end() || !messages->is_array() || messages->empty()) {
    return InvalidRequest("Missing required parameter: 'messages'.", "messages");
  }
  std::string prompt;
  std::string last_user;
  for (const json& message : *messages) {
    if (!message.is_object() || !message.contains("role")) {
      return InvalidRequest("Missing required parameter: 'messages[].role'.", "messages");
    }
    std::string text = ContentText(message.value("content", json()));
    prompt += text;
    if (message["role"] == "user") {
      last_user = text;
    }
  }
  std::string model = (*body)["model"];
  std::string reply = fmt::format("Sandbox echo: {}", last_user);
  std::string id = "chatcmpl-" + RandomBase62(18);
  int64_t created = UnixSeconds(call.now);
  json usage = {{"prompt_tokens", Tokens(prompt)},
                {"completion_tokens", Tokens(reply)},
                {"total_tokens", Tokens(prompt) + Tokens(reply)}};
  if (!JsonFlag(*body, "stream")) {
    return JsonResponse(
        200, {{"id", id},
              {"object", "chat.completion"},
              {"created", created},
              {"model", model},
              {"system_fingerprint", "fp_sandbox"},
              {"choices",
               {{{"index", 0},
                 {"message", {{"role", "assistant"}, {"content", reply}, {"refusal", nullptr}}},
                 {"logprobs", nullptr},
                 {"finish_reason", "stop"}}}},
              {"usage", usage}});
  }
  auto options = body->find("stream_options");
  bool include_usage =
      options != body->end() && options->is_object() && JsonFlag(*options, "include_usage");
  auto chunk = [&](json delta, json finish_reason) {
    json out = {{"id", id},
                {"object", "chat.completion.chunk"},
                {"created", created},
                {"model", model},
                {"system_fingerprint", "fp_sandbox"},
                {"choices",
                 {{{"index", 0},
                   {"delta", std::move(delta)},
                   {"logprobs", nullptr},
                   {"finish_reason", std::move(finish_reason)}}}}};
    if (include_usage) {
      out["usage"] = nullptr;
    }
    return SseEvent(out);
  };
  std::string stream = chunk({{"role", "assistant"}, {"content", ""}}, nullptr);
  for (const std::string& piece : Pieces(reply)) {
    stream += chunk({{"content", piece}}, nullptr);
  }
  stream += chunk(json::object(), "stop");
  if (include_usage) {
    stream += SseEvent({{"id", id},
                        {"object", "chat.completion.chunk"},
                        {"created", created},
                        {"model", model},
                        {"choices", json::array()},
                        {"usage", usage}});
  }
  stream += "data: [DONE]\n\n";
  return EventStream(std::move(stream));
}

// The text of a Responses API `input`: a string or a list of messages / items.
std::string ResponsesInputText(const json& input) {
  if (input.is_string()) {
    return input.get<std::string>();
  }
  std::string out;
  if (input.is_array()) {
    for (const json& item : input) {
      if (item.is_object() && item.contains("content")) {
        std::string text = ContentText(item["content"]);
        if (!text.empty()) {
          out = text;  // the latest message is what the echo answers
        }
      }
    }
  }
  return out;
}

HttpResponse Responses(const Call& call) {
  std::optional<json> body = ParseJson(call.body);
  if (!body || !body->is_object()) {
    return InvalidRequest("We could not parse the JSON body of your request.", std::nullopt);
  }
  if (!body->contains("model") || !(*body)["model"].is_string()) {
    return InvalidRequest("Missing required parameter: 'model'.", "model");
  }
  auto input = body->find("input");
  if (input == body->end() || !(input->is_string() || input->is_array())) {
    return InvalidRequest("Missing required parameter: 'input'.", "input");
  }
  std::string prompt = ResponsesInputText(*input);
  std::string reply = fmt::format("Sandbox echo: {}", prompt);
  std::string id = "resp_" + RandomHex(24);
  std::string message_id = "msg_" + RandomHex(24);
  json message = {
      {"type", "message"},
      {"id", message_id},
      {"status", "completed"},
      {"role", "assistant"},
      {"content", {{{"type", "output_text"}, {"text", reply}, {"annotations", json::array()}}}}};
  json response = {{"id", id},
                   {"object", "response"},
                   {"created_at", UnixSeconds(call.now)},
                   {"status", "completed"},
                   {"error", nullptr},
                   {"incomplete_details", nullptr},
                   {"model", (*body)["model"]},
                   {"output", {message}},
                   {"usage",
                    {{"input_tokens", Tokens(prompt)},
                     {"output_tokens", Tokens(reply)},
                     {"total_tokens", Tokens(prompt) + Tokens(reply)}}}};
  if (!JsonFlag(*body, "stream")) {
    return JsonResponse(200, response);
  }
  // The Responses API streams named events and, unlike chat, ends without [DONE].
  int64_t seq = 0;
  json in_progress = response;
  in_progress["status"] = "in_progress";
  in_progress["output"] = json::array();
  in_progress["usage"] = nullptr;
  std::string stream = SseNamedEvent(
      "response.created",
      {{"type", "response.created"}, {"sequence_number", seq++}, {"response", in_progress}});
  for (const std::string& piece : Pieces(reply)) {
    stream += SseNamedEvent("response.output_text.delta", {{"type", "response.output_text.delta"},
                                                           {"sequence_number", seq++},
                                                           {"item_id", message_id},
                                                           {"output_index", 0},
                                                           {"content_index", 0},
                                                           {"delta", piece}});
  }
  stream += SseNamedEvent("response.output_text.done", {{"type", "response.output_text.done"},
                                                        {"sequence_number", seq++},
                                                        {"item_id", message_id},
                                                        {"output_index", 0},
                                                        {"content_index", 0},
                                                        {"text", reply}});
  stream += SseNamedEvent(
      "response.completed",
      {{"type", "response.completed"}, {"sequence_number", seq++}, {"response", response}});
  return EventStream(std::move(stream));
}

// A deterministic unit vector for `text`: the same text always embeds the same way.
std::vector<float> Embed(std::string_view text, size_t dimensions) {
  uint64_t state = 1469598103934665603ULL;  // FNV-1a of the text seeds xorshift
  for (char c : text) {
    state = (state ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
  }
  std::vector<float> vector(dimensions);
  double norm = 0;
  for (float& v : vector) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    v = static_cast<float>(static_cast<double>(state % 20001) / 10000.0 - 1.0);
    norm += static_cast<double>(v) * v;
  }
  norm = std::sqrt(norm);
  for (float& v : vector) {
    v = static_cast<float>(v / (norm > 0 ? norm : 1));
  }
  return vector;
}

std::string Base64(const std::vector<float>& values) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string bytes(values.size() * sizeof(float), '\0');
  std::memcpy(bytes.data(), values.data(), bytes.size());  // little-endian on our targets
  std::string out;
  for (size_t i = 0; i < bytes.size(); i += 3) {
    uint32_t chunk = static_cast<uint32_t>(static_cast<unsigned char>(bytes[i])) << 16;
    if (i + 1 < bytes.size()) {
      chunk |= static_cast<uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8;
    }
    if (i + 2 < bytes.size()) {
      chunk |= static_cast<unsigned char>(bytes[i + 2]);
    }
    out += kAlphabet[(chunk >> 18) & 63];
    out += kAlphabet[(chunk >> 12) & 63];
    out += i + 1 < bytes.size() ? kAlphabet[(chunk >> 6) & 63] : '=';
    out += i + 2 < bytes.size() ? kAlphabet[chunk & 63] : '=';
  }
  return out;
}

HttpResponse Embeddings(const Call& call) {
  std::optional<json> body = ParseJson(call.body);
  if (!body || !body->is_object()) {
    return InvalidRequest("We could not parse the JSON body of your request.", std::nullopt);
  }
  if (!body->contains("model") || !(*body)["model"].is_string()) {
    return InvalidRequest("you must provide a model parameter", std::nullopt);
  }
  std::string model = (*body)["model"];
  std::vector<std::string> inputs;
  json input = body->value("input", json());
  if (input.is_string()) {
    inputs.push_back(input.get<std::string>());
  } else if (input.is_array() && !input.empty()) {
    // Strings, a token array, or an array of token arrays: each is one input.
    if (input[0].is_number()) {
      inputs.push_back(input.dump());
    } else {
      for (const json& item : input) {
        inputs.push_back(item.is_string() ? item.get<std::string>() : item.dump());
      }
    }
  } else {
    return InvalidRequest("'input' is a required property", "input");
  }
  if (inputs.size() > 2048) {
    return InvalidRequest("'input' must have at most 2048 items", "input");
  }
  size_t dimensions = model == "text-embedding-3-large" ? 3072 : 1536;
  if (auto it = body->find("dimensions"); it != body->end() && !it->is_null()) {
    if (!it->is_number_integer() || it->get<int64_t>() < 1 || it->get<int64_t>() > 3072) {
      return InvalidRequest("'dimensions' must be an integer between 1 and 3072", "dimensions");
    }
    dimensions = it->get<size_t>();
  }
  std::string format = JsonString(*body, "encoding_format", "float");
  if (format != "float" && format != "base64") {
    return InvalidRequest("'encoding_format' must be 'float' or 'base64'", "encoding_format");
  }
  json data = json::array();
  int64_t tokens = 0;
  for (size_t i = 0; i < inputs.size(); ++i) {
    std::vector<float> vector = Embed(inputs[i], dimensions);
    tokens += Tokens(inputs[i]);
    data.push_back({{"object", "embedding"},
                    {"index", i},
                    {"embedding", format == "base64" ? json(Base64(vector)) : json(vector)}});
  }
  return JsonResponse(200, {{"object", "list"},
                            {"data", data},
                            {"model", model},
                            {"usage", {{"prompt_tokens", tokens}, {"total_tokens", tokens}}}});
}

json Model(std::string_view id) {
  return {{"id", id}, {"object", "model"}, {"created", kModelsCreated}, {"owned_by", "sandbox"}};
}

}  // namespace

OpenAiFake::OpenAiFake(std::string key) : key_(std::move(key)) {}

std::optional<HttpResponse> OpenAiFake::Authenticate(const Call& call) const {
  std::optional<std::string_view> token = BearerToken(*call.headers);
  if (!token || token->empty()) {
    return Error(401,
                 "You didn't provide an API key. You need to provide your API key in an "
                 "Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
                 "invalid_request_error", std::nullopt, std::nullopt);
  }
  if (*token != key_) {
    // Like OpenAI, show only the key's last four characters.
    std::string_view tail = token->size() > 4 ? token->substr(token->size() - 4) : "";
    return Error(401, fmt::format("Incorrect API key provided: ****{}.", tail),
                 "invalid_request_error", std::nullopt, "invalid_api_key");
  }
  return std::nullopt;
}

HttpResponse OpenAiFake::TooManyRequests(const Call&) const {
  return Error(429, "Rate limit reached for requests. Please try again in 1s.", "requests",
               std::nullopt, "rate_limit_exceeded");
}

HttpResponse OpenAiFake::InternalError(const Call&) const {
  return Error(500, "The server had an error while processing your request.", "server_error",
               std::nullopt, std::nullopt);
}

HttpResponse OpenAiFake::Route(const Call& call) {
  const bool get = call.method == "GET";
  const bool post = call.method == "POST";
  if (post && call.path == "/v1/chat/completions") {
    return ChatCompletions(call);
  }
  if (post && call.path == "/v1/responses") {
    return Responses(call);
  }
  if (post && call.path == "/v1/embeddings") {
    return Embeddings(call);
  }
  if (get && call.path == "/v1/models") {
    json data = json::array();
    for (std::string_view id : kModels) {
      data.push_back(Model(id));
    }
    return JsonResponse(200, {{"object", "list"}, {"data", data}});
  }
  if (get && call.path.starts_with("/v1/models/")) {
    std::string_view id = std::string_view(call.path).substr(std::strlen("/v1/models/"));
    for (std::string_view known : kModels) {
      if (known == id) {
        return JsonResponse(200, Model(id));
      }
    }
    return Error(404, fmt::format("The model '{}' does not exist", id), "invalid_request_error",
                 "model", "model_not_found");
  }
  return Error(404, fmt::format("Invalid URL ({} {})", call.method, call.path),
               "invalid_request_error", std::nullopt, std::nullopt);
}

}  // namespace bulwark::sandbox
