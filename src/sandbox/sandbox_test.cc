// File: sandbox_test.cc
#include <chrono>
#include <string>
#include <utility>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "sandbox/sandbox_app.h"
#include "sandbox/sandbox_server.h"

namespace bulwark::sandbox {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;

const char kGenerateBody[] = R"({"video_inputs":[{"character":{"type":"avatar",
  "avatar_id":"Daisy-inskirt-20220818","avatar_style":"normal"},"voice":{"type":"text",
  "voice_id":"2d5b0e6cf36f460aa7fc47e3eee4ba54","input_text":"Hello from the sandbox"}}],
  "test":true,"callback_id":"cb-1"})";

class SandboxAppTest : public ::testing::Test {
 protected:
  SandboxAppTest() : app_(Options()) {}

  static SandboxOptions Options() {
    SandboxOptions options;
    options.heygen_key = "hg-key";
    options.writesonic_key = "ws-key";
    options.openai_key = "oa-key";
    options.max_rps = 5;
    options.video_time = milliseconds(6000);
    return options;
  }

  HttpResponse Send(std::string method, std::string target, HeaderList headers = {},
                    std::string body = "") {
    return app_.Handle({std::move(method), std::move(target), std::move(headers), std::move(body)},
                       now_);
  }
  HttpResponse HeyGen(std::string method, std::string path, std::string body = "",
                      HeaderList extra = {}) {
    extra.emplace_back("X-Api-Key", "hg-key");
    return Send(std::move(method), "/heygen" + path, std::move(extra), std::move(body));
  }
  static json Body(const HttpResponse& r) { return json::parse(r.body); }
  static std::string Header(const HttpResponse& r, std::string_view name) {
    return std::string(FindHeader(r.headers, name).value_or(""));
  }

  Clock::time_point now_ = Clock::time_point(seconds(1700000000));
  SandboxApp app_;
};

TEST_F(SandboxAppTest, HeyGenV2RefusesAMissingOrWrongKeyWithTheV1Shape) {
  HttpResponse missing = Send("GET", "/heygen/v2/avatars");
  EXPECT_EQ(missing.status, 401);
  EXPECT_EQ(Body(missing), json::parse(R"({"code":400112,"message":"Unauthorized"})"));
  HttpResponse wrong = Send("GET", "/heygen/v2/avatars", {{"X-Api-Key", "nope"}});
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(Header(wrong, "content-type"), "application/json");
  EXPECT_FALSE(Header(wrong, "x-request-id").empty());
}

TEST_F(SandboxAppTest, HeyGenKeyHeaderNameIsCaseInsensitive) {
  HttpResponse r = Send("GET", "/heygen/v2/avatars", {{"x-api-key", "hg-key"}});
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(Body(r)["error"].is_null());
  EXPECT_FALSE(Body(r)["data"]["avatars"].empty());
}

TEST_F(SandboxAppTest, HeyGenV3AcceptsBearerAndRefusesWithTheV3Shape) {
  HttpResponse refused = Send("GET", "/heygen/v3/videos", {{"Authorization", "Bearer bad"}});
  EXPECT_EQ(refused.status, 401);
  EXPECT_EQ(Body(refused)["error"]["code"], "unauthorized");
  EXPECT_TRUE(Body(refused)["error"].contains("doc_url"));
  HttpResponse ok = Send("GET", "/heygen/v3/videos", {{"Authorization", "Bearer hg-key"}});
  EXPECT_EQ(ok.status, 200);
  EXPECT_FALSE(Body(ok)["has_more"].get<bool>());
}

TEST_F(SandboxAppTest, WritesonicRefusesWithDetail) {
  HttpResponse r = Send("POST", "/writesonic/v2/business/content/chatsonic", {{"X-API-KEY", "x"}},
                        R"({"input_text":"hi"})");
  EXPECT_EQ(r.status, 401);
  EXPECT_TRUE(Body(r)["detail"].is_string());
}

TEST_F(SandboxAppTest, OpenAiRefusesWithItsErrorObject) {
  HttpResponse r = Send("GET", "/openai/v1/models", {{"Authorization", "Bearer wrong-key"}});
  EXPECT_EQ(r.status, 401);
  json error = Body(r)["error"];
  EXPECT_EQ(error["code"], "invalid_api_key");
  EXPECT_EQ(error["type"], "invalid_request_error");
  EXPECT_TRUE(error.contains("param"));
  EXPECT_TRUE(error.contains("message"));
}

TEST_F(SandboxAppTest, GeneratedVideoMovesFromPendingThroughProcessingToCompleted) {
  HttpResponse created = HeyGen("POST", "/v2/video/generate", kGenerateBody);
  ASSERT_EQ(created.status, 200) << created.body;
  std::string id = Body(created)["data"]["video_id"];
  EXPECT_EQ(id.size(), 32u);

  json pending = Body(HeyGen("GET", "/v1/video_status.get?video_id=" + id));
  EXPECT_EQ(pending["code"], 100);
  EXPECT_EQ(pending["message"], "Success");
  EXPECT_EQ(pending["data"]["status"], "pending");
  EXPECT_TRUE(pending["data"]["video_url"].is_null());
  EXPECT_TRUE(pending["data"]["duration"].is_null());
  EXPECT_EQ(pending["data"]["callback_id"], "cb-1");

  now_ += seconds(3);
  EXPECT_EQ(Body(HeyGen("GET", "/v1/video_status.get?video_id=" + id))["data"]["status"],
            "processing");

  now_ += seconds(3);
  json done = Body(HeyGen("GET", "/v1/video_status.get?video_id=" + id))["data"];
  EXPECT_EQ(done["status"], "completed");
  EXPECT_TRUE(done["video_url"].is_string());
  EXPECT_TRUE(done["thumbnail_url"].is_string());
  EXPECT_GT(done["duration"].get<double>(), 0);
  EXPECT_LE(done["duration"].get<double>(), 60);
}

TEST_F(SandboxAppTest, TestVideosAreCappedAtSixtySeconds) {
  std::string words;
  for (int i = 0; i < 800; ++i) {
    words += "word ";
  }
  json body = json::parse(kGenerateBody);
  body["video_inputs"][0]["voice"]["input_text"] = words;
  std::string id = Body(HeyGen("POST", "/v2/video/generate", body.dump()))["data"]["video_id"];
  now_ += seconds(7);
  json done = Body(HeyGen("GET", "/v1/video_status.get?video_id=" + id))["data"];
  EXPECT_EQ(done["duration"].get<double>(), 60);
}

TEST_F(SandboxAppTest, GenerateWithoutVideoInputsIsAV2InvalidParameter) {
  HttpResponse r = HeyGen("POST", "/v2/video/generate", R"({"test":true})");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(Body(r), json::parse(R"({"data":null,"error":{"code":"invalid_parameter",
      "message":"video_inputs is invalid: field required"}})"));
}

TEST_F(SandboxAppTest, FieldsOfTheWrongTypeAreRefusedNotCrashedOn) {
  json body = json::parse(kGenerateBody);
  body["video_inputs"][0]["character"]["type"] = 7;
  EXPECT_EQ(HeyGen("POST", "/v2/video/generate", body.dump()).status, 400);
  body = json::parse(kGenerateBody);
  body["test"] = "yes";
  body["title"] = 3;
  EXPECT_EQ(HeyGen("POST", "/v2/video/generate", body.dump()).status, 200);
  HttpResponse chat =
      Send("POST", "/openai/v1/chat/completions", {{"Authorization", "Bearer oa-key"}},
           R"({"model":"m","stream":"yes","stream_options":3,
               "messages":[{"role":"user","content":"hi"}]})");
  EXPECT_EQ(chat.status, 200);
  EXPECT_EQ(HeyGen("POST", "/v2/video/generate", "not json").status, 400);
}

TEST_F(SandboxAppTest, UnknownVideoIdIsAV1Error40031) {
  HttpResponse r = HeyGen("GET", "/v1/video_status.get?video_id=deadbeef");
  EXPECT_EQ(Body(r)["code"], 40031);
}

TEST_F(SandboxAppTest, V1ListAndDelete) {
  std::string id = Body(HeyGen("POST", "/v2/video/generate", kGenerateBody))["data"]["video_id"];
  json list = Body(HeyGen("GET", "/v1/video.list"));
  ASSERT_EQ(list["data"]["videos"].size(), 1u);
  EXPECT_EQ(list["data"]["videos"][0]["video_id"], id);
  EXPECT_EQ(HeyGen("DELETE", "/v1/video.delete?video_id=" + id).status, 200);
  EXPECT_EQ(Body(HeyGen("GET", "/v1/video_status.get?video_id=" + id))["code"], 40031);
}

TEST_F(SandboxAppTest, TemplatesAndTranslations) {
  json templates = Body(HeyGen("GET", "/v2/templates"))["data"]["templates"];
  ASSERT_FALSE(templates.empty());
  std::string tpl = templates[0]["template_id"];
  EXPECT_TRUE(Body(HeyGen("GET", "/v2/template/" + tpl))["data"]["variables"].is_object());
  HttpResponse generated = HeyGen("POST", "/v2/template/" + tpl + "/generate",
                                  R"({"variables":{"first_name":{"name":"first_name",
                                      "type":"text","properties":{"content":"Ada"}}}})");
  EXPECT_EQ(generated.status, 200) << generated.body;
  EXPECT_TRUE(Body(generated)["data"]["video_id"].is_string());

  HttpResponse translate = HeyGen("POST", "/v2/video_translate",
                                  R"({"video_url":"https://x/v.mp4","output_language":"French"})");
  ASSERT_EQ(translate.status, 200) << translate.body;
  std::string id = Body(translate)["data"]["video_translate_id"];
  EXPECT_EQ(Body(HeyGen("GET", "/v2/video_translate/" + id))["data"]["status"], "pending");
  now_ += seconds(10);
  EXPECT_EQ(Body(HeyGen("GET", "/v2/video_translate/" + id))["data"]["status"], "success");
  EXPECT_EQ(HeyGen("GET", "/v2/user/remaining_quota").status, 200);
}

TEST_F(SandboxAppTest, V3IdempotencyKeyReplaysTheOriginalResponse) {
  const std::string body = R"({"avatar_id":"Daisy-inskirt-20220818","script":"Hi there"})";
  HttpResponse first = HeyGen("POST", "/v3/videos", body, {{"Idempotency-Key", "order-42"}});
  ASSERT_EQ(first.status, 200) << first.body;
  HttpResponse replay = HeyGen("POST", "/v3/videos", body, {{"Idempotency-Key", "order-42"}});
  EXPECT_EQ(replay.status, 200);
  EXPECT_EQ(Body(replay)["data"]["video_id"], Body(first)["data"]["video_id"]);
  EXPECT_EQ(Body(HeyGen("GET", "/v3/videos"))["data"].size(), 1u);

  HttpResponse other = HeyGen("POST", "/v3/videos", body, {{"Idempotency-Key", "order-43"}});
  EXPECT_NE(Body(other)["data"]["video_id"], Body(first)["data"]["video_id"]);
}

TEST_F(SandboxAppTest, V3VideoLifecycleListAndDelete) {
  for (int i = 0; i < 3; ++i) {
    HeyGen("POST", "/v3/videos", R"({"avatar_id":"a","script":"one two three"})");
  }
  json page = Body(HeyGen("GET", "/v3/videos?limit=2"));
  ASSERT_EQ(page["data"].size(), 2u);
  EXPECT_TRUE(page["has_more"].get<bool>());
  std::string token = page["next_token"];
  json rest = Body(HeyGen("GET", "/v3/videos?limit=2&token=" + token));
  EXPECT_EQ(rest["data"].size(), 1u);
  EXPECT_FALSE(rest["has_more"].get<bool>());

  std::string id = rest["data"][0]["id"];
  now_ += seconds(6);
  json video = Body(HeyGen("GET", "/v3/videos/" + id))["data"];
  EXPECT_EQ(video["status"], "completed");
  EXPECT_TRUE(video["video_url"].is_string());
  EXPECT_EQ(HeyGen("DELETE", "/v3/videos/" + id).status, 200);
  HttpResponse gone = HeyGen("GET", "/v3/videos/" + id);
  EXPECT_EQ(gone.status, 404);
  EXPECT_EQ(Body(gone)["error"]["code"], "not_found");
}

TEST_F(SandboxAppTest, AboveTheRateEachVendorAnswers429WithRetryAfter) {
  for (int i = 0; i < 5; ++i) {
    ASSERT_EQ(HeyGen("GET", "/v2/avatars").status, 200);
  }
  HttpResponse limited = HeyGen("GET", "/v2/avatars");
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(Header(limited, "retry-after"), "1");
  EXPECT_EQ(Body(limited)["error"]["code"], "rate_limit_exceeded");
  HttpResponse v3 = HeyGen("GET", "/v3/videos");
  EXPECT_EQ(v3.status, 429);
  EXPECT_EQ(Body(v3)["error"]["code"], "rate_limit_exceeded");

  // Other vendors have their own budget.
  EXPECT_EQ(Send("GET", "/openai/v1/models", {{"Authorization", "Bearer oa-key"}}).status, 200);

  now_ += seconds(1);
  EXPECT_EQ(HeyGen("GET", "/v2/avatars").status, 200);
}

TEST_F(SandboxAppTest, WritesonicMissingInputTextIsA422InFastApiShape) {
  HttpResponse r = Send("POST", "/writesonic/v2/business/content/chatsonic?engine=premium",
                        {{"X-API-KEY", "ws-key"}}, "{}");
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(Body(r), json::parse(R"({"detail":[{"loc":["body","input_text"],
      "msg":"field required","type":"value_error.missing"}]})"));

  HttpResponse too_long =
      Send("POST", "/writesonic/v2/business/content/chatsonic", {{"X-API-KEY", "ws-key"}},
           json{{"input_text", std::string(5001, 'a')}}.dump());
  EXPECT_EQ(too_long.status, 422);
}

TEST_F(SandboxAppTest, WritesonicChatsonicAndTemplates) {
  HttpResponse chat = Send("POST", "/writesonic/v2/business/content/chatsonic?engine=premium",
                           {{"x-api-key", "ws-key"}}, R"({"input_text":"hello"})");
  ASSERT_EQ(chat.status, 200);
  EXPECT_TRUE(Body(chat)["message"].is_string());
  EXPECT_TRUE(Body(chat)["image_urls"].is_array());

  HttpResponse ideas = Send("POST", "/writesonic/v2/business/content/blog-ideas?num_copies=3",
                            {{"X-API-KEY", "ws-key"}}, R"({"topic":"gateways"})");
  ASSERT_EQ(ideas.status, 200);
  ASSERT_EQ(Body(ideas).size(), 3u);
  EXPECT_TRUE(Body(ideas)[0]["text"].is_string());
  EXPECT_EQ(Send("POST", "/writesonic/v2/business/content/blog-ideas?num_copies=6",
                 {{"X-API-KEY", "ws-key"}}, R"({"topic":"x"})")
                .status,
            422);
}

TEST_F(SandboxAppTest, OpenAiChatStreamIsSseEndingWithDone) {
  HttpResponse r = Send("POST", "/openai/v1/chat/completions", {{"Authorization", "Bearer oa-key"}},
                        R"({"model":"gpt-4o-mini","stream":true,
                            "messages":[{"role":"user","content":"ping pong"}]})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Header(r, "content-type"), "text/event-stream");
  ASSERT_TRUE(r.body.ends_with("data: [DONE]\n\n"));
  std::string text;
  size_t pos = 0;
  int events = 0;
  while (pos < r.body.size()) {
    size_t end = r.body.find("\n\n", pos);
    ASSERT_NE(end, std::string::npos);
    std::string event = r.body.substr(pos, end - pos);
    ASSERT_TRUE(event.starts_with("data: ")) << event;
    std::string data = event.substr(6);
    pos = end + 2;
    ++events;
    if (data == "[DONE]") {
      break;
    }
    json chunk = json::parse(data);
    EXPECT_EQ(chunk["object"], "chat.completion.chunk");
    text += chunk["choices"][0]["delta"].value("content", "");
  }
  EXPECT_EQ(pos, r.body.size());
  EXPECT_GT(events, 3);
  EXPECT_EQ(text, "Sandbox echo: ping pong");
}

TEST_F(SandboxAppTest, OpenAiChatEmbeddingsResponsesAndModels) {
  HeaderList auth = {{"Authorization", "Bearer oa-key"}};
  json chat = Body(Send("POST", "/openai/v1/chat/completions", auth,
                        R"({"model":"m","messages":[{"role":"user","content":"hi"}]})"));
  EXPECT_EQ(chat["choices"][0]["message"]["content"], "Sandbox echo: hi");
  json emb = Body(Send("POST", "/openai/v1/embeddings", auth,
                       R"({"model":"text-embedding-3-small","input":["a","b"],"dimensions":8})"));
  ASSERT_EQ(emb["data"].size(), 2u);
  EXPECT_EQ(emb["data"][0]["embedding"].size(), 8u);
  json b64 = Body(Send("POST", "/openai/v1/embeddings", auth,
                       R"({"model":"x","input":"a","dimensions":3,"encoding_format":"base64"})"));
  EXPECT_EQ(b64["data"][0]["embedding"].get<std::string>().size(), 16u);  // 12 bytes
  json resp = Body(Send("POST", "/openai/v1/responses", auth, R"({"model":"m","input":"yo"})"));
  EXPECT_EQ(resp["output"][0]["content"][0]["text"], "Sandbox echo: yo");
  EXPECT_FALSE(Body(Send("GET", "/openai/v1/models", auth))["data"].empty());
  now_ += seconds(1);  // the fixture allows 5 requests a second
  HttpResponse missing = Send("POST", "/openai/v1/chat/completions", auth, R"({"model":"m"})");
  EXPECT_EQ(missing.status, 400);
  EXPECT_EQ(Body(missing)["error"]["param"], "messages");
}

TEST_F(SandboxAppTest, UnknownPathsAre404InTheVendorShape) {
  HttpResponse v2 = HeyGen("GET", "/v2/nothing");
  EXPECT_EQ(v2.status, 404);
  EXPECT_TRUE(Body(v2)["data"].is_null());
  HttpResponse ws = Send("GET", "/writesonic/v9/x", {{"X-API-KEY", "ws-key"}});
  EXPECT_EQ(ws.status, 404);
  EXPECT_EQ(Body(ws)["detail"], "Not Found");
  HttpResponse oa = Send("GET", "/openai/v1/nothing", {{"Authorization", "Bearer oa-key"}});
  EXPECT_EQ(oa.status, 404);
  EXPECT_TRUE(Body(oa)["error"]["message"].is_string());
  EXPECT_EQ(Send("GET", "/elsewhere").status, 404);
}

TEST(SandboxParseListenTest, AcceptsHostPortAndRefusesGarbage) {
  ASSERT_TRUE(ParseListen("127.0.0.1:8090").ok());
  EXPECT_EQ(ParseListen("127.0.0.1:8090")->port, 8090);
  EXPECT_EQ(ParseListen("[::1]:0")->host, "::1");
  EXPECT_FALSE(ParseListen("localhost").ok());
  EXPECT_FALSE(ParseListen("1.2.3.4:99999").ok());
  EXPECT_FALSE(ParseListen("1.2.3.4:x").ok());
}

TEST(SandboxServerTest, ServesARealHttpRequestOnAFreePort) {
  SandboxOptions options;
  options.listen = "127.0.0.1:0";
  SandboxServer server(options);
  ASSERT_TRUE(server.Start().ok());
  ASSERT_NE(server.port(), 0);

  namespace beast = boost::beast;
  namespace http = beast::http;
  boost::asio::io_context io;
  beast::tcp_stream stream(io);
  stream.connect(
      boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), server.port()));
  for (int i = 0; i < 2; ++i) {  // two requests on one keep-alive connection
    http::request<http::string_body> req{http::verb::get, "/heygen/v2/voices", 11};
    req.set(http::field::host, "127.0.0.1");
    req.set("X-Api-Key", "sandbox");
    http::write(stream, req);
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    http::read(stream, buffer, res);
    EXPECT_EQ(res.result_int(), 200u);
    EXPECT_EQ(res[http::field::content_type], "application/json");
    EXPECT_FALSE(json::parse(res.body())["data"]["voices"].empty());
  }
  server.Stop();
}

TEST(SandboxServerTest, RefusesAnAddressInUse) {
  SandboxOptions options;
  options.listen = "127.0.0.1:0";
  SandboxServer first(options);
  ASSERT_TRUE(first.Start().ok());
  options.listen = "127.0.0.1:" + std::to_string(first.port());
  SandboxServer second(options);
  EXPECT_TRUE(absl::IsUnavailable(second.Start()));
}

TEST(RunSandboxTest, BadListenIsExitCode2) {
  SandboxOptions options;
  options.listen = "not an address";
  EXPECT_EQ(RunSandbox(options), 2);
}

}  // namespace
}  // namespace bulwark::sandbox
