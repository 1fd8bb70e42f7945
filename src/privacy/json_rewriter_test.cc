#include "privacy/json_rewriter.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace bulwark::privacy {
namespace {

const Scanner& TheScanner() {
  static const Scanner* const scanner = Scanner::Create()->release();
  return *scanner;
}

TEST(JsonRewriter, RewritesOnlySelectedFieldsAndKeepsOtherBytes) {
  const std::string body =
      R"({"video_inputs": [ {"voice": {"input_text": "Hi, mail jane@example.com", "voice_id": "a@b.co"}},)"
      R"( {"voice": {"input_text": "no pii here"}} ], "n": 1.50, "e": "\u00e9"})";
  JsonRewriter rewriter({"video_inputs[].voice.input_text"});
  auto out = rewriter.Rewrite(body, TheScanner(), Policy{}, nullptr);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(
      out->body,
      R"({"video_inputs": [ {"voice": {"input_text": "Hi, mail [EMAIL]", "voice_id": "a@b.co"}},)"
      R"( {"voice": {"input_text": "no pii here"}} ], "n": 1.50, "e": "\u00e9"})");
  EXPECT_EQ(out->found[static_cast<size_t>(PiiType::kEmail)], 1);
}

TEST(JsonRewriter, MatchesSpanningEscapes) {
  // "jane\u0040example.com" decodes to an email; the newline escape stays valid JSON.
  const std::string body =
      R"({"messages":[{"role":"user","content":"a\n\"jane\u0040example.com\""}]})";
  JsonRewriter rewriter({"messages[].content"});
  Policy policy;
  policy.default_action = Action::kPseudonymize;
  Pseudonymizer pseudonyms;
  auto out = rewriter.Rewrite(body, TheScanner(), policy, &pseudonyms);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->body, R"({"messages":[{"role":"user","content":"a\n\"<EMAIL_1>\""}]})");
  auto parsed = nlohmann::json::parse(out->body);
  EXPECT_EQ(pseudonyms.Restore(parsed["messages"][0]["content"].get<std::string>()),
            "a\n\"jane@example.com\"");
}

TEST(JsonRewriter, AllStringsWhenNoPaths) {
  const std::string body =
      R"(["call +1 415-555-2671", {"k": "4111111111111111"}, 4111111111111111])";
  auto out = JsonRewriter().Rewrite(body, TheScanner(), Policy{}, nullptr);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->body, R"(["call [PHONE]", {"k": "[CREDIT_CARD]"}, 4111111111111111])");
}

TEST(JsonRewriter, RefusesInvalidJson) {
  for (const std::string& body : std::vector<std::string>{
           "{", "{\"a\":}", "[1,]", "\"\\x\"", "{\"a\":1} x", "01", std::string(1000, '[')}) {
    EXPECT_FALSE(JsonRewriter().Rewrite(body, TheScanner(), Policy{}, nullptr).ok()) << body;
  }
}

TEST(JsonRewriter, BlockLeavesBodyAndNamesTypes) {
  Policy policy;
  policy.overrides[PiiType::kUsSsn] = Action::kBlock;
  auto out = JsonRewriter({"input_text"})
                 .Rewrite(R"({"input_text":"SSN 536-22-1234"})", TheScanner(), policy, nullptr);
  ASSERT_TRUE(out.ok());
  EXPECT_TRUE(out->blocked);
  ASSERT_EQ(out->blocked_types.size(), 1u);
  EXPECT_EQ(out->blocked_types[0], PiiType::kUsSsn);
}

TEST(JsonRewriter, WildcardSelectsEveryKeyOfAMap) {
  auto out = JsonRewriter({"variables.*.properties.content"})
                 .Rewrite(R"({"variables":{"a":{"properties":{"content":"mail jo@example.com"}},)"
                          R"("b":{"properties":{"url":"jo@example.com"}}}})",
                          TheScanner(), Policy{}, nullptr);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->body, R"({"variables":{"a":{"properties":{"content":"mail [EMAIL]"}},)"
                       R"("b":{"properties":{"url":"jo@example.com"}}}})");
}

}  // namespace
}  // namespace bulwark::privacy
