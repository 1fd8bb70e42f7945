#include "pipeline/runtime/runtime_config.h"

#include <gtest/gtest.h>

namespace bulwark {
namespace {

ProviderConfig Heygen(std::string base_url, std::string pii = "redact") {
  ProviderConfig p;
  p.name = "heygen";
  p.profile = "heygen";
  p.secret = "heygen";
  p.base_url = std::move(base_url);
  p.pii = std::move(pii);
  p.accepts = {"EMAIL"};  // so that "allow" really sends it
  return p;
}

std::shared_ptr<const Config> ConfigWith(std::vector<ProviderConfig> providers,
                                         std::vector<std::string> proxies = {}) {
  auto c = std::make_shared<Config>();
  c->providers = std::move(providers);
  c->server.trusted_proxies = std::move(proxies);
  return c;
}

class RuntimeConfigTest : public ::testing::Test {
 protected:
  RuntimeConfigTest() : scanner_(privacy::Scanner::Create().value()) {}

  std::shared_ptr<const RuntimeConfig> Build(std::shared_ptr<const Config> c) {
    auto rt = RuntimeConfig::Build(std::move(c), *scanner_, Secret(std::string(32, 'p')));
    EXPECT_TRUE(rt.ok()) << rt.status();
    return rt.ok() ? *rt : nullptr;
  }

  absl::Status BuildError(std::shared_ptr<const Config> c) {
    return RuntimeConfig::Build(std::move(c), *scanner_, Secret(std::string(32, 'p'))).status();
  }

  // A video.generate request routed the way the gateway routes it, under `rt`.
  std::unique_ptr<RequestContext> Request(std::shared_ptr<const RuntimeConfig> rt) {
    requests_.push_back(std::make_unique<http::Request>());
    http::Request& request = *requests_.back();
    request.head.method = "POST";
    request.head.headers.push_back({"Content-Type", "application/json"});
    request.body =
        R"({"video_inputs":[{"voice":{"type":"text","input_text":"mail jane@example.com"}}]})";
    auto ctx = std::make_unique<RequestContext>(request, std::make_shared<AccessSnapshot>());
    ctx->runtime = std::move(rt);
    if (ctx->runtime) {
      ctx->route = &ctx->runtime->routes.at("heygen");
      ctx->operation = MatchOperation(*ctx->route->profile, "POST", "/v2/video/generate");
      ctx->operation_name = "video.generate";
    }
    return ctx;
  }

  std::unique_ptr<privacy::Scanner> scanner_;
  std::vector<std::unique_ptr<http::Request>> requests_;  // outlive their contexts
};

TEST_F(RuntimeConfigTest, RoutesPointIntoTheirOwnConfig) {
  auto rt = Build(ConfigWith({Heygen("https://api.example.com:8443/base")}, {"10.0.0.0/8"}));
  ASSERT_NE(rt, nullptr);
  const ProviderRoute& route = rt->routes.at("heygen");
  EXPECT_EQ(route.config, &rt->config->providers[0]);
  EXPECT_EQ(route.profile, FindProfile("heygen"));
  EXPECT_TRUE(route.endpoint.tls);
  EXPECT_EQ(route.endpoint.host, "api.example.com");
  EXPECT_EQ(route.endpoint.port, "8443");
  EXPECT_EQ(route.endpoint.base_path, "/base");
  ASSERT_EQ(rt->trusted_proxies.size(), 1u);
  EXPECT_NE(rt->pii, nullptr);
}

TEST_F(RuntimeConfigTest, RefusesABadFileNamingTheKey) {
  absl::Status st = BuildError(ConfigWith({Heygen("ftp://x")}));
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(std::string(st.message()).find("providers.heygen.base_url"), std::string::npos) << st;

  ProviderConfig unknown = Heygen("https://x");
  unknown.profile = "nope";
  st = BuildError(ConfigWith({unknown}));
  EXPECT_NE(std::string(st.message()).find("providers.heygen.profile"), std::string::npos) << st;

  st = BuildError(ConfigWith({Heygen("https://x")}, {"10.0.0.0/99"}));
  EXPECT_NE(std::string(st.message()).find("server.trusted_proxies"), std::string::npos) << st;
}

// A reload's error goes to the log and stderr: a refused base_url is named, never quoted.
TEST_F(RuntimeConfigTest, ABadBaseUrlIsNamedWithoutItsCredentials) {
  for (const char* url : {"https://vendor:hunter2@api.example.com", "ftp://x/?token=hunter2",
                          "https://api.example.com:hunter2/v1"}) {
    absl::Status st = BuildError(ConfigWith({Heygen(url)}));
    EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument) << url;
    std::string message(st.message());
    EXPECT_NE(message.find("providers.heygen.base_url"), std::string::npos) << message;
    EXPECT_EQ(message.find("hunter2"), std::string::npos) << message;
  }
  ProviderConfig p = Heygen("https://vendor:hunter2@api.example.com");
  auto endpoint = ProviderEndpoint(p);
  ASSERT_FALSE(endpoint.ok());
  EXPECT_EQ(std::string(endpoint.status().message()).find("hunter2"), std::string::npos);
}

TEST_F(RuntimeConfigTest, ARequestKeepsTheConfigItStartedWithAcrossAReload) {
  RuntimeConfigSource source;
  source.Publish(Build(ConfigWith({Heygen("http://old.example", "allow")})));
  auto in_flight = Request(source.Current());
  std::weak_ptr<const RuntimeConfig> old = source.Current();

  source.Publish(Build(ConfigWith({Heygen("http://new.example", "redact")})));
  auto next = Request(source.Current());

  RuntimePiiStage stage;
  // The request that started before the reload: old upstream, old policy (allow).
  EXPECT_EQ(in_flight->route->endpoint.host, "old.example");
  ASSERT_EQ(stage.Run(*in_flight), Stage::kContinue);
  EXPECT_NE(in_flight->request.body.find("jane@example.com"), std::string::npos);
  // The next one: new upstream, new policy (redact).
  EXPECT_EQ(next->route->endpoint.host, "new.example");
  ASSERT_EQ(stage.Run(*next), Stage::kContinue);
  EXPECT_NE(next->request.body.find("mail [EMAIL]"), std::string::npos) << next->request.body;

  // The old config lives exactly as long as its last request.
  EXPECT_FALSE(old.expired());
  in_flight.reset();
  EXPECT_TRUE(old.expired());
}

TEST_F(RuntimeConfigTest, PiiStageWithoutAConfigRefuses) {
  auto ctx = Request(nullptr);
  RuntimePiiStage stage;
  EXPECT_EQ(stage.Run(*ctx), Stage::kStop);
  ASSERT_TRUE(ctx->refusal.has_value());
  EXPECT_EQ(*ctx->refusal, ApiError::kInternal);
}

}  // namespace
}  // namespace bulwark
