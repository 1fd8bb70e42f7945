// Each pipeline stage alone, on a real snapshot built in memory.
#include <ctime>

#include <gtest/gtest.h>

#include "config/config.h"
#include "crypto/keys.h"
#include "pipeline/authn/authn_stage.h"
#include "pipeline/consent/consent_stage.h"
#include "pipeline/ipallow/ip_allow_stage.h"
#include "pipeline/ratelimit/rate_limit_stage.h"
#include "pipeline/route/route_stage.h"
#include "pipeline/scope/scope_stage.h"

namespace bulwark {
namespace {

class StagesTest : public ::testing::Test {
 protected:
  StagesTest()
      : master_(Secret(std::string(32, 'm'))), hash_key_(master_.Derive(KeyPurpose::kKeyHash)) {
    provider_.name = "heygen";
    provider_.profile = "heygen";
    ProviderRoute route;
    route.name = "heygen";
    route.config = &provider_;
    route.profile = FindProfile("heygen");
    routes_.emplace("heygen", route);
    snapshot_ = std::make_shared<AccessSnapshot>();
  }

  // Adds a key to the snapshot and returns its secret.
  std::string AddKey(const std::string& id, std::vector<std::string> scopes, int64_t revoked_at = 0,
                     int64_t expires_at = 0) {
    std::string secret = "bwk_secret_" + id;
    auto entry = std::make_shared<KeyEntry>();
    entry->record.id = id;
    entry->record.scopes = std::move(scopes);
    entry->record.revoked_at = revoked_at;
    entry->record.expires_at = expires_at;
    entry->record.secret_hash = KeyedHash(hash_key_, secret);
    snapshot_->keys_by_hash[entry->record.secret_hash] = entry;
    return secret;
  }

  RequestContext Context(std::string method, std::string path,
                         std::vector<http::Header> headers = {}) {
    request_ = http::Request{};
    request_.head.method = std::move(method);
    request_.head.path = path;
    request_.head.headers = std::move(headers);
    request_.peer_ip = "127.0.0.1";
    RequestContext ctx(request_, snapshot_);
    ctx.client_ip = "127.0.0.1";
    ResolveProvider(routes_, path, ctx);
    return ctx;
  }

  MasterKey master_;
  Secret hash_key_;
  ProviderConfig provider_;
  std::unordered_map<std::string, ProviderRoute> routes_;
  std::shared_ptr<AccessSnapshot> snapshot_;
  http::Request request_;
};

TEST_F(StagesTest, AuthnAcceptsBearerOrVendorHeader) {
  std::string key = AddKey("key_a", {"*"});
  AuthnStage authn(hash_key_);
  auto bearer = Context("GET", "/heygen/v2/avatars", {{"Authorization", "Bearer " + key}});
  EXPECT_EQ(authn.Run(bearer), Stage::kContinue);
  EXPECT_EQ(bearer.key->record.id, "key_a");
  auto vendor = Context("GET", "/heygen/v2/avatars", {{"x-api-key", key}});
  EXPECT_EQ(authn.Run(vendor), Stage::kContinue);
}

TEST_F(StagesTest, AuthnRefusesEveryBadCredentialWith401) {
  std::string live = AddKey("key_live", {"*"});
  std::string revoked = AddKey("key_rev", {"*"}, /*revoked_at=*/100);
  std::string expired = AddKey("key_exp", {"*"}, 0, /*expires_at=*/std::time(nullptr) - 1);
  AuthnStage authn(hash_key_);
  struct Case {
    std::vector<http::Header> headers;
    std::string reason;
  } cases[] = {
      {{}, "authn.missing"},
      {{{"Authorization", "Basic abc"}}, "authn.bad_scheme"},
      {{{"Authorization", "Bearer sk-vendorkey"}}, "authn.malformed"},
      {{{"Authorization", "Bearer bwk_unknown"}}, "authn.unknown_key"},
      {{{"Authorization", "Bearer " + revoked}}, "authn.revoked"},
      {{{"Authorization", "Bearer " + expired}}, "authn.expired"},
      {{{"Authorization", "Bearer " + live}, {"X-Api-Key", revoked}}, "authn.ambiguous"},
      {{{"Authorization", "Bearer bwk_" + std::string(600, 'a')}}, "authn.malformed"},
  };
  for (auto& c : cases) {
    auto ctx = Context("GET", "/heygen/v2/avatars", c.headers);
    EXPECT_EQ(authn.Run(ctx), Stage::kStop) << c.reason;
    EXPECT_EQ(ctx.refusal, ApiError::kUnauthenticated) << c.reason;
    EXPECT_EQ(ctx.reason, c.reason);
  }
}

TEST_F(StagesTest, RotatedSecretWorksOnlyDuringItsGrace) {
  std::string old_secret = AddKey("key_rot", {"*"});
  auto entry =
      std::make_shared<KeyEntry>(*snapshot_->keys_by_hash.at(KeyedHash(hash_key_, old_secret)));
  entry->record.previous_secret_hash = KeyedHash(hash_key_, old_secret);
  entry->record.secret_hash = KeyedHash(hash_key_, "bwk_new");
  entry->record.previous_expires_at = std::time(nullptr) + 60;
  snapshot_->keys_by_hash[entry->record.previous_secret_hash] = entry;
  snapshot_->keys_by_hash[entry->record.secret_hash] = entry;
  AuthnStage authn(hash_key_);
  auto with_old = Context("GET", "/heygen/v2/avatars", {{"Authorization", "Bearer " + old_secret}});
  EXPECT_EQ(authn.Run(with_old), Stage::kContinue);
  auto with_new = Context("GET", "/heygen/v2/avatars", {{"Authorization", "Bearer bwk_new"}});
  EXPECT_EQ(authn.Run(with_new), Stage::kContinue);
  entry->record.previous_expires_at = std::time(nullptr) - 1;
  auto after_grace =
      Context("GET", "/heygen/v2/avatars", {{"Authorization", "Bearer " + old_secret}});
  EXPECT_EQ(authn.Run(after_grace), Stage::kStop);
  EXPECT_EQ(after_grace.reason, "authn.rotated");
  auto new_after = Context("GET", "/heygen/v2/avatars", {{"Authorization", "Bearer bwk_new"}});
  EXPECT_EQ(authn.Run(new_after), Stage::kContinue);
}

TEST_F(StagesTest, RouteDistinguishesUnknownProviderFromUnknownPath) {
  RouteStage route;
  auto unknown = Context("GET", "/nope/v1/x");
  EXPECT_EQ(route.Run(unknown), Stage::kStop);
  EXPECT_EQ(Describe(*unknown.refusal).status, 404);
  auto no_op = Context("GET", "/heygen/v9/secret-admin");
  EXPECT_EQ(route.Run(no_op), Stage::kStop);
  EXPECT_EQ(no_op.refusal, ApiError::kRouteNotAllowed);
  auto ok = Context("POST", "/heygen/v2/video/generate");
  EXPECT_EQ(route.Run(ok), Stage::kContinue);
  EXPECT_EQ(ok.operation_name, "video.generate");
  provider_.passthrough = true;
  auto pass = Context("GET", "/heygen/v9/anything");
  EXPECT_EQ(route.Run(pass), Stage::kContinue);
  EXPECT_EQ(pass.operation_name, "passthrough");
}

TEST_F(StagesTest, ScopesMatchExactlyOrByWildcard) {
  EXPECT_TRUE(ScopeAllows({"heygen:video.generate"}, "heygen", "video.generate"));
  EXPECT_FALSE(ScopeAllows({"heygen:video.generate"}, "heygen", "video.status"));
  EXPECT_TRUE(ScopeAllows({"heygen:*"}, "heygen", "video.status"));
  EXPECT_FALSE(ScopeAllows({"heygen:*"}, "writesonic", "chatsonic"));
  EXPECT_FALSE(ScopeAllows({"heygenx:*"}, "heygen", "video.status"));
  EXPECT_TRUE(ScopeAllows({"*"}, "openai", "models.list"));
  EXPECT_FALSE(ScopeAllows({"heygen:passthrough"}, "heygen", "passthrough"));
  EXPECT_TRUE(ScopeAllows({"heygen:*"}, "heygen", "passthrough"));
  EXPECT_TRUE(IsValidScope("heygen:video.generate"));
  EXPECT_TRUE(IsValidScope("*"));
  for (const char* bad : {"", "heygen", ":x", "heygen:", "*:x", "heygen:vid*", "a:b:c", "h g:x"}) {
    EXPECT_FALSE(IsValidScope(bad)) << bad;
  }
}

TEST_F(StagesTest, ScopeStageRefusesWithForbidden) {
  std::string key = AddKey("key_s", {"heygen:avatars.list"});
  AuthnStage authn(hash_key_);
  RouteStage route;
  ScopeStage scope;
  auto ctx = Context("POST", "/heygen/v2/video/generate", {{"Authorization", "Bearer " + key}});
  ASSERT_EQ(authn.Run(ctx), Stage::kContinue);
  ASSERT_EQ(route.Run(ctx), Stage::kContinue);
  EXPECT_EQ(scope.Run(ctx), Stage::kStop);
  EXPECT_EQ(ctx.refusal, ApiError::kForbidden);
}

TEST_F(StagesTest, IpAllowListUsesTheClientAddress) {
  auto entry = std::make_shared<KeyEntry>();
  entry->allow.push_back(Cidr::Parse("10.0.0.0/8").value());
  IpAllowStage stage;
  auto inside = Context("GET", "/heygen/v2/avatars");
  inside.key = entry;
  inside.client_ip = "10.1.2.3";
  EXPECT_EQ(stage.Run(inside), Stage::kContinue);
  auto outside = Context("GET", "/heygen/v2/avatars");
  outside.key = entry;
  outside.client_ip = "192.168.0.1";
  EXPECT_EQ(stage.Run(outside), Stage::kStop);
  EXPECT_EQ(outside.refusal, ApiError::kIpNotAllowed);
}

// The consent stage has its own tests: consent/consent_stage_test.cc.

TEST(ClientAddress, BelievesForwardedForOnlyFromTrustedProxies) {
  std::vector<Cidr> trusted = {Cidr::Parse("10.0.0.0/8").value()};
  http::Request r;
  r.head.headers = {{"X-Forwarded-For", "6.6.6.6, 1.2.3.4, 10.0.0.9"}};
  r.peer_ip = "10.0.0.1";
  EXPECT_EQ(ClientAddress(r, trusted), "1.2.3.4");
  r.peer_ip = "8.8.8.8";  // untrusted peer: the header is ignored
  EXPECT_EQ(ClientAddress(r, trusted), "8.8.8.8");
  r.peer_ip = "10.0.0.1";
  r.head.headers = {{"X-Forwarded-For", "garbage"}};
  EXPECT_EQ(ClientAddress(r, trusted), "10.0.0.1");
  EXPECT_EQ(ClientAddress(r, {}), "10.0.0.1");
}

TEST_F(StagesTest, RateLimitStageRefusesWithRetryAfter) {
  auto limiter = NewMemoryRateLimiter();
  RateLimitStage stage(*limiter);
  auto entry = std::make_shared<KeyEntry>();
  entry->record.id = "key_r";
  entry->rates.push_back(Rate{2, std::chrono::seconds(60)});
  for (int i = 0; i < 2; ++i) {
    auto ctx = Context("GET", "/heygen/v2/avatars");
    ctx.key = entry;
    EXPECT_EQ(stage.Run(ctx), Stage::kContinue);
    EXPECT_EQ(ctx.limits.limit, 2);
  }
  auto ctx = Context("GET", "/heygen/v2/avatars");
  ctx.key = entry;
  EXPECT_EQ(stage.Run(ctx), Stage::kStop);
  EXPECT_EQ(ctx.refusal, ApiError::kRateLimited);
  EXPECT_GE(ctx.retry_after, 1);
}

}  // namespace
}  // namespace bulwark
