#include "pipeline/forward/sse_relay.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

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

// The search for an event's end resumes where the previous read stopped (a long event
// in small reads is scanned once), so a blank line split across reads must still count.
TEST_F(SseRestorerTest, EventEndsSplitByteByByteAreFound) {
  for (const std::string& sep : {std::string("\n\n"), std::string("\r\n\r\n")}) {
    SseRestorer r(&pseudonyms_);
    const std::string event = "data: to " + token_ + sep.substr(0, sep.size() / 2);
    std::string out;
    for (char c : event + sep.substr(sep.size() / 2)) out += r.Feed(std::string(1, c));
    EXPECT_EQ(out, "data: to jane@example.com" + sep);
    EXPECT_EQ(r.Feed(": next" + sep), ": next" + sep);
    EXPECT_EQ(r.Finish(), "");
  }
}

// Go-style vendors write '<' and '>' as \u003c and \u003e inside JSON strings.
TEST_F(SseRestorerTest, RestoresEscapedTokensInJsonEventsSplitAcrossReads) {
  std::string escaped = token_;
  escaped.replace(escaped.find('>'), 1, "\\u003e");
  escaped.replace(escaped.find('<'), 1, "\\u003c");
  // Not a known text-delta shape: the event is restored as it stands.
  const std::string event =
      "event: message\ndata: {\"message\":{\"text\":\"to " + escaped + "\"},\"n\":1.50}\n\n";
  const std::string want =
      "event: message\ndata: {\"message\":{\"text\":\"to jane@example.com\"},\"n\":1.50}\n\n";
  for (size_t cut = 0; cut <= event.size(); ++cut) {
    SseRestorer r(&pseudonyms_);
    std::string out = r.Feed(event.substr(0, cut));
    out += r.Feed(event.substr(cut));
    out += r.Finish();
    ASSERT_EQ(out, want) << cut;
  }
  // In a text delta the escapes are decoded before the stream restorer sees them.
  SseRestorer r(&pseudonyms_);
  std::string half = escaped.substr(0, 9);
  EXPECT_EQ(r.Feed(Delta("Hi " + half)), Delta("Hi "));
  EXPECT_EQ(r.Feed(Delta(escaped.substr(9) + "!")), Delta("jane@example.com!"));
}

// A vendor decides the choice indexes: the streams that hold back partial tokens are bounded.
TEST_F(SseRestorerTest, HeldBackStreamsAreBoundedAndFreedWhenAChoiceFinishes) {
  auto choice = [](size_t index, std::string_view text, bool last) {
    return "data: {\"choices\":[{\"index\":" + std::to_string(index) +
           ",\"delta\":{\"content\":\"" + std::string(text) +
           "\"},\"finish_reason\":" + (last ? "\"stop\"" : "null") + "}]}\n\n";
  };
  const std::string head = token_.substr(0, 4);
  const std::string tail = token_.substr(4);
  // Choices that finish free their place: many of them, one after another, all restore.
  SseRestorer r(&pseudonyms_);
  for (size_t i = 0; i < 3 * SseRestorer::kMaxStreams; ++i) {
    ASSERT_EQ(r.Feed(choice(i, "to " + head, false)), choice(i, "to ", false)) << i;
    ASSERT_EQ(r.Feed(choice(i, tail, true)), choice(i, "jane@example.com", true)) << i;
  }
  EXPECT_EQ(r.Finish(), "");
  // Open choices past the bound are relayed without holding back (complete tokens only).
  SseRestorer open(&pseudonyms_);
  for (size_t i = 0; i < SseRestorer::kMaxStreams; ++i) {
    ASSERT_EQ(open.Feed(choice(i, "to " + head, false)), choice(i, "to ", false)) << i;
  }
  const size_t past = SseRestorer::kMaxStreams;
  EXPECT_EQ(open.Feed(choice(past, "to " + head, false)), choice(past, "to " + head, false));
  EXPECT_EQ(open.Feed(choice(past, token_, false)), choice(past, "jane@example.com", false));
  // The open choices still get their tokens.
  EXPECT_EQ(open.Feed(choice(0, tail, true)), choice(0, "jane@example.com", true));
}

TEST_F(SseRestorerTest, ValuesRestoredIntoJsonEventsAreEscaped) {
  privacy::Pseudonymizer p;
  const std::string token = p.TokenFor(privacy::PiiType::kPerson, "Jane \"JJ\" O'Neil");
  SseRestorer r(&p);
  std::string out = r.Feed("data: {\"name\":\"" + token + "\"}\n\n");
  EXPECT_EQ(out, "data: {\"name\":\"Jane \\\"JJ\\\" O'Neil\"}\n\n");
  EXPECT_EQ(nlohmann::json::parse(out.substr(6))["name"], "Jane \"JJ\" O'Neil");
  // A text delta: the restored text is re-encoded with the event, other fields too.
  out = r.Feed("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"" + token +
               "\"}}],\"user\":\"" + token + "\"}\n\n");
  auto json = nlohmann::json::parse(out.substr(6));
  EXPECT_EQ(json["choices"][0]["delta"]["content"], "Jane \"JJ\" O'Neil");
  EXPECT_EQ(json["user"], "Jane \"JJ\" O'Neil");
  // Plain text lines are restored as text.
  EXPECT_EQ(r.Feed(": " + token + "\n\n"), ": Jane \"JJ\" O'Neil\n\n");
}

}  // namespace
}  // namespace bulwark
