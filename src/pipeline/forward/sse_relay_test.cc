#include "pipeline/forward/sse_relay.h"

#include <gtest/gtest.h>

namespace bulwark {
namespace {

TEST(SecretScrubberTest, ScrubsASecretSplitAcrossPieces) {
  SecretScrubber s("sk-secret-123");
  std::string out = s.Feed("a sk-sec");
  out += s.Feed("ret-123 b sk-");
  out += s.Feed("x");
  out += s.Finish();
  EXPECT_EQ(out, "a [REDACTED] b sk-x");
}

TEST(SecretScrubberTest, EmitsEverythingThatCannotStartTheSecret) {
  SecretScrubber s("sk-secret-123");
  EXPECT_EQ(s.Feed("hello world"), "hello world");
  EXPECT_EQ(s.Feed("tail s"), "tail ");
  EXPECT_EQ(s.Finish(), "s");
}

class SseRestorerTest : public ::testing::Test {
 protected:
  SseRestorerTest() { token_ = pseudonyms_.TokenFor(privacy::PiiType::kEmail, "jane@example.com"); }
  static std::string Delta(std::string_view text) {
    return "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"" + std::string(text) +
           "\"}}]}\n\n";
  }
  privacy::Pseudonymizer pseudonyms_;
  std::string token_;
};

TEST_F(SseRestorerTest, RestoresATokenSplitAcrossEvents) {
  SseRestorer r(&pseudonyms_);
  std::string out = r.Feed(Delta("Hi " + token_.substr(0, 3)));
  EXPECT_EQ(out, Delta("Hi "));  // the partial token is held back
  out = r.Feed(Delta(token_.substr(3) + "!"));
  EXPECT_EQ(out, Delta("jane@example.com!"));
  EXPECT_EQ(r.Feed("data: [DONE]\n\n"), "data: [DONE]\n\n");
}

TEST_F(SseRestorerTest, HeldBackTextThatIsNoTokenIsEmittedBeforeDone) {
  SseRestorer r(&pseudonyms_);
  EXPECT_EQ(r.Feed(Delta("a <b")), Delta("a "));
  EXPECT_EQ(r.Feed("data: [DONE]\n\n"), Delta("<b") + "data: [DONE]\n\n");
}

TEST_F(SseRestorerTest, EventsSplitAcrossReadsAreReassembled) {
  SseRestorer r(&pseudonyms_);
  std::string event = Delta("to " + token_);
  EXPECT_EQ(r.Feed(event.substr(0, 10)), "");
  EXPECT_EQ(r.Feed(event.substr(10)), Delta("to jane@example.com"));
  EXPECT_EQ(r.Feed(": comment " + token_ + "\n\n"), ": comment jane@example.com\n\n");
  EXPECT_EQ(r.Finish(), "");
}

}  // namespace
}  // namespace bulwark
