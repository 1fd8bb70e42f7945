#include "privacy/policy.h"

#include <gtest/gtest.h>

#include "config/pii_policy.h"

namespace bulwark::privacy {
namespace {

class DecideTest : public ::testing::Test {
 protected:
  Action D(PiiType type, std::vector<std::string> purposes = {}) {
    return Decide(type, provider_, has_operation_ ? &operation_ : nullptr, purposes);
  }
  void Accept(std::initializer_list<PiiType> types) { provider_.accepts.insert(types); }

  ProviderPolicy provider_;
  PolicyRule operation_;
  bool has_operation_ = false;
};

TEST_F(DecideTest, DefaultIsRedact) {
  EXPECT_EQ(D(PiiType::kEmail), Action::kRedact);
  EXPECT_EQ(D(PiiType::kPerson), Action::kRedact);
}

TEST_F(DecideTest, ProviderDefaultAndTypeOverride) {
  provider_.rule.default_action = Action::kPseudonymize;
  provider_.rule.types[PiiType::kCreditCard] = Action::kMask;
  EXPECT_EQ(D(PiiType::kEmail), Action::kPseudonymize);
  EXPECT_EQ(D(PiiType::kCreditCard), Action::kMask);
}

TEST_F(DecideTest, OperationBeatsProviderAndItsTypeOverrideBeatsItsDefault) {
  provider_.rule.default_action = Action::kRedact;
  provider_.rule.types[PiiType::kEmail] = Action::kPseudonymize;
  has_operation_ = true;
  operation_.default_action = Action::kBlock;
  operation_.types[PiiType::kPhone] = Action::kMask;
  EXPECT_EQ(D(PiiType::kEmail), Action::kBlock);  // the operation's default wins
  EXPECT_EQ(D(PiiType::kPhone), Action::kMask);
  operation_.default_action.reset();
  EXPECT_EQ(D(PiiType::kEmail), Action::kPseudonymize);  // falls back to the provider
  EXPECT_EQ(D(PiiType::kIban), Action::kRedact);
}

TEST_F(DecideTest, AllowOfAnUnacceptedTypeBecomesRedact) {
  provider_.rule.default_action = Action::kAllow;
  Accept({PiiType::kPerson});
  EXPECT_EQ(D(PiiType::kPerson), Action::kAllow);
  EXPECT_EQ(D(PiiType::kEmail), Action::kRedact);
  // Mask and pseudonymize never send the value: the vendor class does not change them.
  provider_.rule.types[PiiType::kEmail] = Action::kPseudonymize;
  provider_.rule.types[PiiType::kCreditCard] = Action::kMask;
  EXPECT_EQ(D(PiiType::kEmail), Action::kPseudonymize);
  EXPECT_EQ(D(PiiType::kCreditCard), Action::kMask);
}

TEST_F(DecideTest, ConsentUnlocksATypeForItsPurposeOnly) {
  provider_.rule.default_action = Action::kBlock;
  provider_.rule.unlock["personalized_video"] = {PiiType::kPerson};
  Accept({PiiType::kPerson, PiiType::kEmail});
  EXPECT_EQ(D(PiiType::kPerson), Action::kBlock);
  EXPECT_EQ(D(PiiType::kPerson, {"marketing"}), Action::kBlock);
  EXPECT_EQ(D(PiiType::kPerson, {"marketing", "personalized_video"}), Action::kAllow);
  EXPECT_EQ(D(PiiType::kEmail, {"personalized_video"}), Action::kBlock);
  has_operation_ = true;
  operation_.unlock["support"] = {PiiType::kEmail};
  EXPECT_EQ(D(PiiType::kEmail, {"support"}), Action::kAllow);
}

TEST_F(DecideTest, ConsentCannotUnlockATypeTheVendorDoesNotAccept) {
  provider_.rule.unlock["personalized_video"] = {PiiType::kPerson};
  EXPECT_EQ(D(PiiType::kPerson, {"personalized_video"}), Action::kRedact);
}

TEST_F(DecideTest, ResolvePolicyDecidesEveryType) {
  provider_.rule.types[PiiType::kPhone] = Action::kMask;
  Policy p = ResolvePolicy(provider_, nullptr, {});
  EXPECT_EQ(p.overrides.size(), static_cast<size_t>(kNumPiiTypes));
  EXPECT_EQ(DecideAction(p, PiiType::kPhone), Action::kMask);
  EXPECT_EQ(DecideAction(p, PiiType::kEmail), Action::kRedact);
}

TEST_F(DecideTest, AllowsUnacceptedListsTheTypesCheckWarnsAbout) {
  Accept({PiiType::kPerson});
  PolicyRule rule;
  rule.types[PiiType::kPerson] = Action::kAllow;
  std::vector<PiiType> types;
  EXPECT_FALSE(AllowsUnaccepted(provider_, rule, &types));
  rule.types[PiiType::kEmail] = Action::kAllow;
  rule.unlock["p"] = {PiiType::kPhone};
  EXPECT_TRUE(AllowsUnaccepted(provider_, rule, &types));
  EXPECT_EQ(types, (std::vector<PiiType>{PiiType::kEmail, PiiType::kPhone}));
}

TEST(MaskTest, KeepsTheLastFourCharacters) {
  EXPECT_EQ(Mask("4111 1111 1111 1111"), "**** **** **** 1111");
  EXPECT_EQ(Mask("+1 415-555-0132"), "+* ***-***-0132");
  EXPECT_EQ(Mask("jane@example.com"), "****@******e.com");  // letters and digits count
  EXPECT_EQ(Mask("abc"), "abc");
}

TEST(PiiTypeNamesTest, ConfigLayerNamesMatchThePrivacyTypes) {
  for (int i = 0; i < kNumPiiTypes; ++i) {
    EXPECT_TRUE(IsPiiTypeName(PiiTypeName(static_cast<PiiType>(i))));
  }
  for (std::string_view action : {"allow", "redact", "mask", "pseudonymize", "block"}) {
    EXPECT_TRUE(IsPiiActionName(action));
    EXPECT_TRUE(ParseAction(action).has_value());
  }
}

}  // namespace
}  // namespace bulwark::privacy
