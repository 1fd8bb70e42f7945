#include "privacy/rewrite.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "privacy/scanner.h"

namespace bulwark::privacy {
namespace {

std::vector<Finding> ScanOrDie(std::string_view text) {
  static const auto* const scanner = Scanner::Create()->release();
  auto findings = scanner->Scan(text);
  EXPECT_TRUE(findings.ok());
  return *findings;
}

TEST(Rewrite, RedactsByDefault) {
  const std::string text = "Mail jane@example.com or call +1 415-555-2671.";
  const RewriteResult out = Rewrite(text, ScanOrDie(text), Policy{}, nullptr);
  EXPECT_EQ(out.text, "Mail [EMAIL] or call [PHONE].");
  EXPECT_FALSE(out.blocked);
  EXPECT_EQ(out.found[static_cast<size_t>(PiiType::kEmail)], 1);
}

TEST(Rewrite, MasksKeepingLastFour) {
  EXPECT_EQ(Mask("4111 1111 1111 1111"), "**** **** **** 1111");
  EXPECT_EQ(Mask("abc"), "abc");
  EXPECT_EQ(Mask("Jürgen Müller"), "****** **ller");
  Policy policy;
  policy.default_action = Action::kMask;
  const std::string text = "card 4111-1111-1111-1111 ok";
  EXPECT_EQ(Rewrite(text, ScanOrDie(text), policy, nullptr).text, "card ****-****-****-1111 ok");
}

TEST(Rewrite, PseudonymizesStablyAndRestores) {
  Policy policy;
  policy.default_action = Action::kPseudonymize;
  Pseudonymizer pseudonyms;
  const std::string text = "a@example.com wrote to b@example.com, then a@example.com again";
  const RewriteResult out = Rewrite(text, ScanOrDie(text), policy, &pseudonyms);
  EXPECT_EQ(out.text, "<EMAIL_1> wrote to <EMAIL_2>, then <EMAIL_1> again");
  EXPECT_EQ(pseudonyms.size(), 2u);
  EXPECT_EQ(pseudonyms.Restore("Reply to <EMAIL_2> and <EMAIL_9> <EMAIL_1>"),
            "Reply to b@example.com and <EMAIL_9> a@example.com");
}

TEST(Rewrite, RestoresInsideJsonStringsWithEscaping) {
  Pseudonymizer p;
  std::string token = p.TokenFor(PiiType::kPerson, "Jane \"JJ\" O\\Neil");
  std::string body = "{\"text\":\"Hi " + token + "\"}";
  std::string restored = p.Restore(body, /*json_string=*/true);
  EXPECT_EQ(restored, "{\"text\":\"Hi Jane \\\"JJ\\\" O\\\\Neil\"}");
  auto parsed = nlohmann::json::parse(restored);
  EXPECT_EQ(parsed["text"], "Hi Jane \"JJ\" O\\Neil");
  EXPECT_EQ(p.Restore("Hi " + token), "Hi Jane \"JJ\" O\\Neil");
}

TEST(Rewrite, StreamRestorerHandlesSplitTokens) {
  Pseudonymizer pseudonyms;
  ASSERT_EQ(pseudonyms.TokenFor(PiiType::kPerson, "Ada Lovelace"), "<PERSON_1>");
  StreamRestorer restorer(&pseudonyms);
  std::string out;
  out += restorer.Feed("Hello <PER");
  out += restorer.Feed("SON_1>, 2 < 3 and <");
  out += restorer.Feed("PERSON_1>!");
  out += restorer.Finish();
  EXPECT_EQ(out, "Hello Ada Lovelace, 2 < 3 and Ada Lovelace!");
}

// Go's encoding/json and other HTML-safe encoders write '<', '>' and '&' as \u003c, \u003e
// and \u0026 in JSON strings.
TEST(Rewrite, RestoresTokensWrittenWithUnicodeEscapesInJson) {
  Pseudonymizer p;
  ASSERT_EQ(p.TokenFor(PiiType::kPerson, "Ada Lovelace"), "<PERSON_1>");
  ASSERT_EQ(p.TokenFor(PiiType::kEmail, "a&b <x>@example.com"), "<EMAIL_1>");
  const std::string body =
      R"({"text":"Dear \u003cPERSON_1\u003e, \u003CPERSON_1\u003E and <PERSON_1\u003e"})";
  const std::string restored = p.Restore(body, /*json_string=*/true);
  EXPECT_EQ(restored, R"({"text":"Dear Ada Lovelace, Ada Lovelace and Ada Lovelace"})");
  // A value restored where the vendor escaped the brackets is escaped the same way.
  const std::string mail = p.Restore(R"({"to":"\u003cEMAIL_1\u003e"})", true);
  EXPECT_EQ(mail, R"({"to":"a\u0026b \u003cx\u003e@example.com"})");
  EXPECT_EQ(nlohmann::json::parse(mail)["to"], "a&b <x>@example.com");
  // Unescaped tokens keep raw values (still JSON-escaped for quotes).
  EXPECT_EQ(p.Restore(R"({"to":"<EMAIL_1>"})", true), R"({"to":"a&b <x>@example.com"})");
  // Every character may be escaped, in either case.
  EXPECT_EQ(p.Restore(R"("\u003c\u0050ERSON\u005f1\u003E")", true), R"("Ada Lovelace")");
}

TEST(Rewrite, EscapeLookalikesAreNotTokens) {
  Pseudonymizer p;
  ASSERT_EQ(p.TokenFor(PiiType::kPerson, "Ada Lovelace"), "<PERSON_1>");
  // An escaped backslash followed by the text "u003c...": the string holds a backslash and
  // letters, not a token.
  const std::string literal = R"({"t":"\\u003cPERSON_1\\u003e"})";
  EXPECT_EQ(p.Restore(literal, true), literal);
  // Outside JSON, escapes are just text.
  EXPECT_EQ(p.Restore(R"(\u003cPERSON_1\u003e)"), R"(\u003cPERSON_1\u003e)");
  // Unknown, malformed or overlong candidates stay as they are.
  for (const std::string& text : std::vector<std::string>{
           R"("\u003cPERSON_2\u003e")", R"("\u003cPERSON 1\u003e")", R"("\u003PERSON_1\u003e")",
           R"("\u00zcPERSON_1>")", R"("\u003c\u0000PERSON_1>")", R"("\)", R"("\u003c)",
           "\"<" + std::string(60, 'A') + ">\""}) {
    EXPECT_EQ(p.Restore(text, true), text) << text;
  }
}

TEST(Rewrite, PartialTokenStartFindsTailsThatMoreTextCouldComplete) {
  using P = Pseudonymizer;
  EXPECT_EQ(P::PartialTokenStart("Hello <PER"), 6u);
  EXPECT_EQ(P::PartialTokenStart("Hello <PER> x"), 13u);
  EXPECT_EQ(P::PartialTokenStart("2 < 3"), 5u);
  EXPECT_EQ(P::PartialTokenStart(R"(Hi \u003cPER)"), 12u);  // not JSON: no escapes
  EXPECT_EQ(P::PartialTokenStart(R"(Hi \u003cPER)", true), 3u);
  EXPECT_EQ(P::PartialTokenStart(R"(Hi \u00)", true), 3u);
  EXPECT_EQ(P::PartialTokenStart(R"(Hi \)", true), 3u);
  EXPECT_EQ(P::PartialTokenStart(R"(Hi <PERSON_1\u00)", true), 3u);
  EXPECT_EQ(P::PartialTokenStart(R"(Hi \\u003cPER)", true), 13u);
  EXPECT_EQ(P::PartialTokenStart("x <" + std::string(50, 'A'), true), 53u);
}

TEST(Rewrite, StreamRestorerMatchesEscapedTokensSplitAcrossChunks) {
  Pseudonymizer pseudonyms;
  ASSERT_EQ(pseudonyms.TokenFor(PiiType::kPerson, "Ada \"A\" Lovelace"), "<PERSON_1>");
  const std::string body = R"({"text":"Dear \u003cPERSON_1\u003e, bye \u003cPERSON_1\u003e"})";
  const std::string want = R"({"text":"Dear Ada \"A\" Lovelace, bye Ada \"A\" Lovelace"})";
  for (size_t cut = 0; cut <= body.size(); ++cut) {  // every split point
    for (size_t cut2 = cut; cut2 <= body.size(); cut2 += 7) {
      StreamRestorer restorer(&pseudonyms, /*json_string=*/true);
      std::string out = restorer.Feed(body.substr(0, cut));
      out += restorer.Feed(body.substr(cut, cut2 - cut));
      out += restorer.Feed(body.substr(cut2));
      out += restorer.Finish();
      ASSERT_EQ(out, want) << cut << " " << cut2;
    }
  }
}

TEST(Rewrite, BlockNamesOnlyTypes) {
  Policy policy;
  policy.overrides[PiiType::kCreditCard] = Action::kBlock;
  const std::string text = "x@example.com 4111111111111111";
  const RewriteResult out = Rewrite(text, ScanOrDie(text), policy, nullptr);
  EXPECT_TRUE(out.blocked);
  ASSERT_EQ(out.blocked_types.size(), 1u);
  EXPECT_EQ(out.blocked_types[0], PiiType::kCreditCard);
}

TEST(Rewrite, ConsentUnlocksAType) {
  Policy policy;
  policy.default_action = Action::kBlock;
  const PiiType consented[] = {PiiType::kPerson};
  EXPECT_EQ(DecideAction(policy, PiiType::kPerson, consented), Action::kAllow);
  EXPECT_EQ(DecideAction(policy, PiiType::kEmail, consented), Action::kBlock);
  EXPECT_EQ(ParseAction("pseudonymise"), Action::kPseudonymize);
  EXPECT_EQ(ActionName(Action::kMask), "mask");
}

}  // namespace
}  // namespace bulwark::privacy
