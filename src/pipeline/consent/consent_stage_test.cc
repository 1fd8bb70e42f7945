// The consent stage on a real snapshot built in memory, with subjects identified exactly
// as the gateway does (IdentifySubject) from X-Bulwark-Subject.
#include "pipeline/consent/consent_stage.h"

#include <gtest/gtest.h>

#include "config/config.h"
#include "pipeline/route/route_stage.h"
#include "subjects/keyring.h"

namespace bulwark {
namespace {

class ConsentStageTest : public ::testing::Test {
 protected:
  ConsentStageTest() : master_(Secret(std::string(32, 'm'))), ring_(master_) {
    for (const char* name : {"heygen", "writesonic"}) {
      auto& p = providers_[name];
      p.name = name;
      p.profile = name;
      ProviderRoute route;
      route.name = name;
      route.config = &p;
      route.profile = FindProfile(name);
      routes_.emplace(name, route);
    }
    snapshot_ = std::make_shared<AccessSnapshot>();
  }

  void Grant(const std::string& subject, const std::string& purpose,
             const std::string& provider = "") {
    snapshot_->consents_by_subject[ring_.Lookup(subject)].push_back({purpose, provider});
  }

  RequestContext Context(const std::string& path, const std::string& subject = "",
                         const std::string& purpose = "") {
    request_ = http::Request{};
    request_.head.method = "GET";
    request_.head.path = path;
    if (!subject.empty()) request_.head.headers.push_back({"X-Bulwark-Subject", subject});
    if (!purpose.empty()) request_.head.headers.push_back({"X-Bulwark-Purpose", purpose});
    RequestContext ctx(request_, snapshot_);
    ResolveProvider(routes_, path, ctx);
    if (!subject.empty()) ctx.subject_lookup = ring_.Lookup(subject);
    return ctx;
  }

  MasterKey master_;
  subjects::Keyring ring_;
  std::map<std::string, ProviderConfig> providers_;
  std::unordered_map<std::string, ProviderRoute> routes_;
  std::shared_ptr<AccessSnapshot> snapshot_;
  http::Request request_;
  ConsentStage stage_;
};

constexpr char kHeygen[] = "/heygen/v2/avatars";
constexpr char kWritesonic[] = "/writesonic/v2/business/content/chatsonic";

TEST_F(ConsentStageTest, ProvidersWithoutRequireConsentPassEveryRequest) {
  auto anonymous = Context(kHeygen);
  EXPECT_EQ(stage_.Run(anonymous), Stage::kContinue);
  EXPECT_FALSE(anonymous.refusal);
}

TEST_F(ConsentStageTest, RequiredConsentWithoutSubjectIsRefused) {
  providers_["heygen"].require_consent = "personalized_video";
  auto ctx = Context(kHeygen);
  EXPECT_EQ(stage_.Run(ctx), Stage::kStop);
  EXPECT_EQ(ctx.refusal, ApiError::kConsentRequired);
  EXPECT_EQ(ctx.reason, "consent.no_subject");
}

TEST_F(ConsentStageTest, RequiredConsentWithoutLiveGrantIsRefused) {
  providers_["heygen"].require_consent = "personalized_video";
  Grant("u1", "marketing");                                 // another purpose
  Grant("u2", "personalized_video");                        // another subject
  auto ctx = Context(kHeygen, "u1", "personalized_video");  // the header grants nothing
  EXPECT_EQ(stage_.Run(ctx), Stage::kStop);
  EXPECT_EQ(ctx.refusal, ApiError::kConsentRequired);
  EXPECT_EQ(ctx.reason, "consent.not_granted");
}

TEST_F(ConsentStageTest, ProviderlessGrantCoversEveryProvider) {
  providers_["heygen"].require_consent = "personalized_video";
  providers_["writesonic"].require_consent = "personalized_video";
  Grant("u1", "personalized_video");
  auto heygen = Context(kHeygen, "u1");
  EXPECT_EQ(stage_.Run(heygen), Stage::kContinue);
  auto writesonic = Context(kWritesonic, "u1");
  EXPECT_EQ(stage_.Run(writesonic), Stage::kContinue);
}

TEST_F(ConsentStageTest, ProviderScopedGrantCoversOnlyThatProvider) {
  providers_["heygen"].require_consent = "personalized_video";
  providers_["writesonic"].require_consent = "personalized_video";
  Grant("u1", "personalized_video", "heygen");
  auto heygen = Context(kHeygen, "u1");
  EXPECT_EQ(stage_.Run(heygen), Stage::kContinue);
  auto writesonic = Context(kWritesonic, "u1");
  EXPECT_EQ(stage_.Run(writesonic), Stage::kStop);
  EXPECT_EQ(writesonic.reason, "consent.not_granted");
}

TEST_F(ConsentStageTest, ConsentedPurposesForThisProviderAreOnTheContext) {
  Grant("u1", "personalized_video", "heygen");
  Grant("u1", "analytics");
  Grant("u1", "copywriting", "writesonic");
  Grant("u1", "analytics", "heygen");  // listed once
  auto ctx = Context(kHeygen, "u1");
  EXPECT_EQ(stage_.Run(ctx), Stage::kContinue);
  EXPECT_EQ(ctx.consented_purposes, (std::vector<std::string>{"personalized_video", "analytics"}));
  auto nobody = Context(kHeygen);
  stage_.Run(nobody);
  EXPECT_TRUE(nobody.consented_purposes.empty());
}

}  // namespace
}  // namespace bulwark
