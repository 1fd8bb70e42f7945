#include "pipeline/privacy/pii_stage.h"

#include <gtest/gtest.h>

#include "config/config.h"

namespace bulwark {
namespace {

class PiiStageTest : public ::testing::Test {
 protected:
  PiiStageTest()
      : scanner_(privacy::Scanner::Create().value()),
        stage_(*scanner_, Secret(std::string(32, 'p'))) {
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
    ctx_->operation = MatchOperation(*route_.profile, method, path);
    return stage_.Run(*ctx_);
  }

  static constexpr const char* kScript =
      R"({"video_inputs":[{"character":{"type":"avatar","avatar_id":"jane.doe@example.com"},)"
      R"("voice":{"type":"text","input_text":"Write to jane.doe@example.com today"}}]})";

  std::unique_ptr<privacy::Scanner> scanner_;
  PiiStage stage_;
  ProviderConfig provider_;
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
  provider_.pii = "allow";
  ASSERT_EQ(Run("POST", "/v2/video/generate", kScript, "text/plain"), Stage::kContinue);
  EXPECT_EQ(request_.body, kScript);
  provider_.pii = "redact";
  ASSERT_EQ(Run("POST", "/v2/video_translate", R"({"video_url":"https://x/a.mp4"})"),
            Stage::kContinue);
}

TEST_F(PiiStageTest, PassthroughScansEveryString) {
  ASSERT_EQ(Run("POST", "/v9/unknown", R"({"note":"mail jane.doe@example.com"})"),
            Stage::kContinue);
  EXPECT_EQ(request_.body, R"({"note":"mail [EMAIL]"})");
}

}  // namespace
}  // namespace bulwark
