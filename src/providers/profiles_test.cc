#include <gtest/gtest.h>

#include "providers/profile.h"

namespace bulwark {
namespace {

std::string_view OpName(std::string_view provider, std::string_view method, std::string_view path) {
  const Operation* op = MatchOperation(*FindProfile(provider), method, path);
  return op ? op->name : "";
}

TEST(Profiles, HeygenOperationsMatchTheContractNames) {
  EXPECT_EQ(OpName("heygen", "POST", "/v2/video/generate"), "video.generate");
  EXPECT_EQ(OpName("heygen", "GET", "/v1/video_status.get"), "video.status");
  EXPECT_EQ(OpName("heygen", "GET", "/v2/templates"), "templates.list");
  EXPECT_EQ(OpName("heygen", "GET", "/v2/template/abc"), "template.get");
  EXPECT_EQ(OpName("heygen", "POST", "/v2/template/abc/generate"), "template.generate");
  EXPECT_EQ(OpName("heygen", "GET", "/v2/video_translate/target_languages"), "translate.languages");
  EXPECT_EQ(OpName("heygen", "GET", "/v2/video_translate/xyz"), "translate.status");
  EXPECT_EQ(OpName("heygen", "POST", "/v3/videos"), "videos.create");
  EXPECT_EQ(OpName("heygen", "DELETE", "/v3/videos/v1"), "videos.delete");
  EXPECT_EQ(OpName("heygen", "PATCH", "/v3/webhooks/endpoints/e1"), "webhooks.manage");
}

TEST(Profiles, MethodAndSegmentsMustMatchExactly) {
  EXPECT_EQ(OpName("heygen", "GET", "/v2/video/generate"), "");
  EXPECT_EQ(OpName("heygen", "POST", "/v2/video/generate/extra"), "");
  EXPECT_EQ(OpName("heygen", "GET", "/v2/template/"), "");
  EXPECT_EQ(OpName("heygen", "GET", "/v2"), "");
  EXPECT_EQ(OpName("heygen", "GET", "/"), "");
}

TEST(Profiles, WritesonicChatsonicWinsOverTemplate) {
  EXPECT_EQ(OpName("writesonic", "POST", "/v2/business/content/chatsonic"), "chatsonic");
  EXPECT_EQ(OpName("writesonic", "POST", "/v2/business/content/blog-ideas"), "content");
}

TEST(Profiles, OpenAiAndAuthHeaders) {
  EXPECT_EQ(OpName("openai", "POST", "/v1/chat/completions"), "chat.completions");
  EXPECT_EQ(OpName("openai", "GET", "/v1/models"), "models.list");
  EXPECT_EQ(FindProfile("openai")->auth_scheme, "Bearer");
  EXPECT_EQ(FindProfile("heygen")->auth_header, "X-Api-Key");
  EXPECT_EQ(FindProfile("writesonic")->auth_header, "X-API-KEY");
  EXPECT_EQ(FindProfile("nope"), nullptr);
}

}  // namespace
}  // namespace bulwark
