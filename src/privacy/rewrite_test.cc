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
