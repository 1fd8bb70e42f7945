#include "pipeline/privacy/pii_stage.h"

#include <gtest/gtest.h>

#include "config/config.h"

namespace bulwark {
namespace {

class PiiStageTest : public ::testing::Test {
 protected:
  PiiStageTest() : scanner_(privacy::Scanner::Create().value()) {
    provider_.name = "heygen";
    route_.name = "heygen";
    route_.config = &provider_;
    route_.profile = FindProfile("heygen");
  }

  Stage::Result Run(std::string_view method, std::string_view path, std::string body,
                    std::string content_type = "application/json", std::string subject = "") {
    request_ = http::Request{};
    request_.head.method = std::string(method);
    if (!subject.empty()) request_.head.headers.push_back({"X-Bulwark-Subject", subject});
    if (!content_type.empty()) request_.head.headers.push_back({"Content-Type", content_type});
    request_.body = std::move(body);
    ctx_ = std::make_unique<RequestContext>(request_, std::make_shared<AccessSnapshot>());
    ctx_->route = &route_;
    if (!subject.empty()) {  // as the gateway's subject resolver does: the subject's own key
      ctx_->subject_key =
          std::make_shared<const subjects::SubjectKey>(Secret(subject + std::string(32, 'k')));
    }
    ctx_->operation = MatchOperation(*route_.profile, method, path);
    ctx_->operation_name = ctx_->operation ? std::string(ctx_->operation->name) : "passthrough";
    // The stage is built from the provider's configuration, as Gateway::Create does.
    providers_ = {provider_};
    route_.config = &providers_[0];
    auto stage = PiiStage::Create(*scanner_, Secret(std::string(32, 'p')), providers_);
    EXPECT_TRUE(stage.ok()) << stage.status();
    return (*stage)->Run(*ctx_);
  }

  static constexpr const char* kScript =
      R"({"video_inputs":[{"character":{"type":"avatar","avatar_id":"jane.doe@example.com"},)"
      R"("voice":{"type":"text","input_text":"Write to jane.doe@example.com today"}}]})";

  std::unique_ptr<privacy::Scanner> scanner_;
  ProviderConfig provider_;
  std::vector<ProviderConfig> providers_;
  ProviderRoute route_;
  http::Request request_;
  std::unique_ptr<RequestContext> ctx_;
};

TEST_F(PiiStageTest, RedactsOnlyTheProfilesFreeTextFields) {
  ASSERT_EQ(Run("POST", "/v2/video/generate", kScript), Stage::kContinue);
  EXPECT_NE(request_.body.find("Write to [EMAIL] today"), std::string::npos) << request_.body;
  // avatar_id is an id, not free text: left alone.
  EXPECT_NE(request_.body.find(R"("avatar_id":"jane.doe@example.com")"), std::string::npos);
  ASSERT_EQ(ctx_->pii_findings.size(), 1u);
  EXPECT_EQ(ctx_->pii_findings[0].first, "EMAIL");
}

TEST_F(PiiStageTest, BlockModeRefusesNamingOnlyTheTypes) {
  provider_.pii = "block";
  ASSERT_EQ(Run("POST", "/v2/video/generate", kScript), Stage::kStop);
  EXPECT_EQ(ctx_->refusal, ApiError::kPiiBlocked);
  EXPECT_EQ(ctx_->error_detail, "EMAIL");
}

TEST_F(PiiStageTest, PseudonymizeKeepsAMappingToRestoreTheAnswer) {
  provider_.pii = "pseudonymize";
  ASSERT_EQ(Run("POST", "/v2/video/generate", kScript), Stage::kContinue);
  EXPECT_EQ(request_.body.find("Write to jane.doe@example.com"), std::string::npos);
  ASSERT_NE(ctx_->pseudonyms, nullptr);
  std::string token = request_.body.substr(request_.body.find("Write to ") + 9);
  token = token.substr(0, token.find(' '));
  EXPECT_EQ(ctx_->pseudonyms->Restore("hello " + token), "hello jane.doe@example.com");
}

TEST_F(PiiStageTest, SubjectPseudonymsAreStableAcrossRequestsAndDifferBetweenSubjects) {
  provider_.pii = "pseudonymize";
  auto token_in_body = [&] {
    std::string rest = request_.body.substr(request_.body.find("Write to ") + 9);
    return rest.substr(0, rest.find(' '));
  };
  ASSERT_EQ(Run("POST", "/v2/video/generate", kScript, "application/json", "alice"),
            Stage::kContinue);
  std::string first = token_in_body();
  ASSERT_EQ(Run("POST", "/v2/video/generate", kScript, "application/json", "alice"),
            Stage::kContinue);
  EXPECT_EQ(token_in_body(), first);
  EXPECT_EQ(ctx_->pseudonyms->Restore(first), "jane.doe@example.com");
  ASSERT_EQ(Run("POST", "/v2/video/generate", kScript, "application/json", "bob"),
            Stage::kContinue);
  EXPECT_NE(token_in_body(), first);
  EXPECT_EQ(first.rfind("<EMAIL_", 0), 0u) << first;
}

TEST_F(PiiStageTest, FailsClosedOnBodiesItCannotRead) {
  EXPECT_EQ(Run("POST", "/v2/video/generate", kScript, "text/plain"), Stage::kStop);
  EXPECT_EQ(ctx_->reason, "pii.unsupported_content_type");
  EXPECT_EQ(Run("POST", "/v2/video/generate", "{not json", "application/json"), Stage::kStop);
  EXPECT_EQ(ctx_->reason, "pii.unparsable_body");
}

TEST_F(PiiStageTest, AllowModeAndFieldlessOperationsPassUntouched) {
  // Every type allowed and accepted, no minimisation: nothing to enforce, bytes unchanged.
  provider_.pii = "allow";
  provider_.accepts = {"EMAIL",         "PHONE",      "CREDIT_CARD",   "IBAN",
                       "US_SSN",        "IP_ADDRESS", "API_KEY",       "URL_WITH_CREDENTIALS",
                       "DATE_OF_BIRTH", "PERSON",     "POSTAL_ADDRESS"};
  provider_.policy.unknown_fields = "allow";
  ASSERT_EQ(Run("POST", "/v2/video/generate", kScript, "text/plain"), Stage::kContinue);
  EXPECT_EQ(request_.body, kScript);
  ASSERT_EQ(Run("POST", "/v2/video/generate", kScript), Stage::kContinue);
  EXPECT_EQ(request_.body, kScript);
  ASSERT_EQ(ctx_->pii_actions.size(), 1u);  // still found and recorded as evidence
  EXPECT_EQ(ctx_->pii_actions[0].second, "allow");
  provider_.pii = "redact";
  ASSERT_EQ(Run("POST", "/v2/video_translate", R"({"video_url":"https://x/a.mp4"})"),
            Stage::kContinue);
}

TEST_F(PiiStageTest, PassthroughScansEveryString) {
  ASSERT_EQ(Run("POST", "/v9/unknown", R"({"note":"mail jane.doe@example.com"})"),
            Stage::kContinue);
  EXPECT_EQ(request_.body, R"({"note":"mail [EMAIL]"})");
}

TEST_F(PiiStageTest, AllowOfATypeTheVendorDoesNotAcceptBecomesRedact) {
  provider_.pii = "allow";  // accepts defaults to none
  ASSERT_EQ(Run("POST", "/v2/video/generate", kScript), Stage::kContinue);
  EXPECT_NE(request_.body.find("Write to [EMAIL] today"), std::string::npos) << request_.body;
  ASSERT_EQ(ctx_->pii_actions.size(), 1u);
  EXPECT_EQ(ctx_->pii_actions[0].first, "EMAIL");
  EXPECT_EQ(ctx_->pii_actions[0].second, "redact");
  provider_.accepts = {"EMAIL"};
  ASSERT_EQ(Run("POST", "/v2/video/generate", kScript), Stage::kContinue);
  EXPECT_NE(request_.body.find("Write to jane.doe@example.com today"), std::string::npos);
}

TEST_F(PiiStageTest, OperationPolicyAndTypeOverridesApply) {
  provider_.policy.types["EMAIL"] = "mask";
  ASSERT_EQ(Run("POST", "/v2/video/generate", kScript), Stage::kContinue);
  EXPECT_NE(request_.body.find("Write to ****.***@******e.com today"), std::string::npos)
      << request_.body;
  provider_.operations["video.generate"].default_action = "block";
  ASSERT_EQ(Run("POST", "/v2/video/generate", kScript), Stage::kStop);
  EXPECT_EQ(ctx_->refusal, ApiError::kPiiBlocked);
  EXPECT_EQ(ctx_->error_detail, "EMAIL");
}

TEST_F(PiiStageTest, MinimisationDropsFieldsOutsideTheAllowList) {
  std::string body =
      R"({"video_inputs":[{"character":{"type":"avatar","avatar_id":"a1"},"internal_ref":"x1",)"
      R"("voice":{"type":"text","input_text":"hello"}}],"crm_id":"c-77","title":"t"})";
  ASSERT_EQ(Run("POST", "/v2/video/generate", body), Stage::kContinue);
  EXPECT_EQ(request_.body, R"({"video_inputs":[{"character":{"type":"avatar","avatar_id":"a1"},)"
                           R"("voice":{"type":"text","input_text":"hello"}}],"title":"t"})");
  EXPECT_EQ(ctx_->dropped_fields,
            (std::vector<std::string>{"video_inputs[].internal_ref", "crm_id"}));
  provider_.policy.unknown_fields = "refuse";
  ASSERT_EQ(Run("POST", "/v2/video/generate", body), Stage::kStop);
  EXPECT_EQ(ctx_->refusal, ApiError::kInvalidRequest);
  EXPECT_EQ(ctx_->reason, "pii.unknown_fields");
  EXPECT_EQ(ctx_->error_detail.find("c-77"), std::string::npos);  // names, never values
  provider_.policy.unknown_fields = "allow";
  ASSERT_EQ(Run("POST", "/v2/video/generate", body), Stage::kContinue);
  EXPECT_EQ(request_.body, body);
}

TEST_F(PiiStageTest, FieldsAllScansEveryString) {
  provider_.policy.fields = "all";
  ASSERT_EQ(Run("POST", "/v2/video/generate", kScript), Stage::kContinue);
  EXPECT_NE(request_.body.find(R"("avatar_id":"[EMAIL]")"), std::string::npos) << request_.body;
}

TEST_F(PiiStageTest, OnUnparseableAllowForwardsUnreadableBodies) {
  provider_.policy.on_unparseable = "allow";
  ASSERT_EQ(Run("POST", "/v2/video/generate", "{not json"), Stage::kContinue);
  EXPECT_EQ(request_.body, "{not json");
  provider_.policy.on_unparseable = "";
  EXPECT_EQ(Run("POST", "/v2/video/generate", kScript, "application/octet-stream"), Stage::kStop);
  EXPECT_EQ(ctx_->reason, "pii.unsupported_content_type");
}

TEST_F(PiiStageTest, PassthroughTextBodiesAreScannedAsText) {
  ASSERT_EQ(Run("POST", "/v9/unknown", "mail jane.doe@example.com now", "text/plain"),
            Stage::kContinue);
  EXPECT_EQ(request_.body, "mail [EMAIL] now");
}

TEST_F(PiiStageTest, UnknownOperationNameInPolicyIsAConfigError) {
  provider_.operations["video.generat"].default_action = "block";
  providers_ = {provider_};
  auto stage = PiiStage::Create(*scanner_, Secret(std::string(32, 'p')), providers_);
  ASSERT_FALSE(stage.ok());
  EXPECT_NE(std::string(stage.status().message()).find("video.generat"), std::string::npos);
}

}  // namespace
}  // namespace bulwark
