// Vendor-object ownership: the index on a real SQLite store shared by two "nodes", the
// request check, and the answer-side binding and list filtering.
#include <filesystem>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "base/random.h"
#include "config/config.h"
#include "pipeline/ownership/ownership_stage.h"
#include "pipeline/route/route_stage.h"
#include "storage/sqlite_store.h"

namespace bulwark {
namespace {

class OwnershipTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("bulwark-own-" + RandomHex(6));
    std::filesystem::create_directories(dir_);
    store_ = OpenSqliteStore(dir_ / "b.db").value();
    provider_.name = "heygen";
    provider_.profile = "heygen";
    ProviderRoute route;
    route.name = "heygen";
    route.config = &provider_;
    route.profile = FindProfile("heygen");
    route.resources = ResourceRules(*route.profile);
    routes_.emplace("heygen", route);
    snapshot_ = std::make_shared<AccessSnapshot>();
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  std::unique_ptr<RequestContext> Context(const std::string& method, const std::string& target,
                                          const std::string& tenant) {
    request_ = http::Request{};
    request_.head.method = method;
    size_t q = target.find('?');
    request_.head.path = target.substr(0, q);
    if (q != std::string::npos) {
      request_.head.has_query = true;
      request_.head.query = target.substr(q + 1);
    }
    auto ctx = std::make_unique<RequestContext>(request_, snapshot_);
    ResolveProvider(routes_, request_.head.path, *ctx);
    RouteStage route;
    EXPECT_EQ(route.Run(*ctx), Stage::kContinue) << target;
    auto key = std::make_shared<KeyEntry>();
    key->record.id = "key_" + tenant;
    key->record.tenant = tenant;
    ctx->key = key;
    return ctx;
  }

  static ResourceRecord Video(const std::string& id, const std::string& tenant) {
    ResourceRecord r;
    r.provider = "heygen";
    r.kind = "video";
    r.id = id;
    r.tenant = tenant;
    r.key_id = "key_" + tenant;
    return r;
  }

  std::filesystem::path dir_;
  std::unique_ptr<Store> store_;
  ProviderConfig provider_;
  std::unordered_map<std::string, ProviderRoute> routes_;
  std::shared_ptr<AccessSnapshot> snapshot_;
  http::Request request_;
};

TEST_F(OwnershipTest, BindingMadeOnOneNodeReachesAnotherThroughTheStore) {
  OwnershipIndex node_a(*store_), node_b(*store_);
  ASSERT_TRUE(node_a.Load().ok());
  ASSERT_TRUE(node_b.Load().ok());
  node_a.Bind(Video("v1", "acme"));
  EXPECT_EQ(node_a.Owner("heygen", "video", "v1"), "acme");
  EXPECT_EQ(node_b.Owner("heygen", "video", "v1"), std::nullopt);
  ASSERT_TRUE(node_a.SyncNow().ok());
  ASSERT_TRUE(node_b.SyncNow().ok());
  EXPECT_EQ(node_b.Owner("heygen", "video", "v1"), "acme");
  EXPECT_EQ(node_b.Owner("heygen", "video_translate", "v1"), std::nullopt);
  EXPECT_EQ(node_b.Owner("other", "video", "v1"), std::nullopt);
}

TEST_F(OwnershipTest, FirstOwnerWinsEverywhere) {
  OwnershipIndex node_a(*store_), node_b(*store_);
  node_a.Bind(Video("v1", "acme"));
  node_b.Bind(Video("v1", "evil"));
  ASSERT_TRUE(node_a.SyncNow().ok());
  ASSERT_TRUE(node_b.SyncNow().ok());
  ASSERT_TRUE(node_a.SyncNow().ok());
  EXPECT_EQ(node_a.Owner("heygen", "video", "v1"), "acme");
  EXPECT_EQ(node_b.Owner("heygen", "video", "v1"), "acme");
}

TEST_F(OwnershipTest, BackgroundLoopWritesAndStopFlushes) {
  {
    OwnershipIndex node(*store_, std::chrono::milliseconds(10));
    node.Start();
    node.Bind(Video("v2", "acme"));
  }  // destructor stops and flushes
  OwnershipIndex fresh(*store_);
  ASSERT_TRUE(fresh.Load().ok());
  EXPECT_EQ(fresh.Owner("heygen", "video", "v2"), "acme");
}

TEST_F(OwnershipTest, RequestObjectIdReadsQueryAndPathAndRefusesRepeats) {
  RequestIdLocation query{RequestIdLocation::kQuery, "video_id", 0};
  RequestIdLocation path{RequestIdLocation::kPathSegment, {}, 2};
  http::RequestHead head;
  head.has_query = true;
  head.query = "a=1&video%5Fid=v%31";
  EXPECT_EQ(RequestObjectId(head, "/v1/video_status.get", query).value(), "v1");
  head.query = "video_id=mine&video_id=theirs";
  EXPECT_FALSE(RequestObjectId(head, "/v1/video_status.get", query).ok());
  head.query = "video_id=%zz";
  EXPECT_FALSE(RequestObjectId(head, "/v1/video_status.get", query).ok());
  head.query = "other=1";
  EXPECT_EQ(RequestObjectId(head, "/v1/video_status.get", query).value(), std::nullopt);
  EXPECT_EQ(RequestObjectId(head, "/v3/videos/abc%2D1", path).value(), "abc-1");
  EXPECT_EQ(RequestObjectId(head, "/v3/videos", path).value(), std::nullopt);
}

// The rules are resolved with the route (ResourceRules); a route built without them must
// not let every object through.
TEST_F(OwnershipTest, RouteWithoutResolvedRulesFailsClosed) {
  OwnershipIndex index(*store_);
  index.Bind(Video("v1", "acme"));
  OwnershipStage stage(index);
  routes_.at("heygen").resources = ResourceRules();
  for (const char* target : {"/heygen/v1/video_status.get?video_id=v1", "/heygen/v2/avatars"}) {
    auto ctx = Context("GET", target, "acme");
    EXPECT_EQ(stage.Run(*ctx), Stage::kStop) << target;
    EXPECT_EQ(ctx->refusal, ApiError::kInternal) << target;
    EXPECT_EQ(ctx->reason, "ownership.rules_unresolved");
    http::Response answer;
    answer.status = 200;
    answer.body = R"({"data":{"videos":[]}})";
    EXPECT_FALSE(ApplyOwnership(*ctx, index, answer)) << target;
  }
  routes_.at("heygen").resources = ResourceRules(*FindProfile("heygen"));
  auto ctx = Context("GET", "/heygen/v1/video_status.get?video_id=v1", "acme");
  EXPECT_EQ(stage.Run(*ctx), Stage::kContinue);
}

TEST_F(OwnershipTest, StageAnswers404ForObjectsOfOtherTenantsAndUnknownOnes) {
  OwnershipIndex index(*store_);
  index.Bind(Video("v1", "acme"));
  OwnershipStage stage(index);

  auto own = Context("GET", "/heygen/v1/video_status.get?video_id=v1", "acme");
  EXPECT_EQ(stage.Run(*own), Stage::kContinue);

  auto other = Context("GET", "/heygen/v1/video_status.get?video_id=v1", "globex");
  EXPECT_EQ(stage.Run(*other), Stage::kStop);
  EXPECT_EQ(other->refusal, ApiError::kObjectNotFound);

  auto unknown = Context("DELETE", "/heygen/v3/videos/nope", "acme");
  EXPECT_EQ(stage.Run(*unknown), Stage::kStop);
  EXPECT_EQ(unknown->refusal, ApiError::kObjectNotFound);

  auto v3 = Context("GET", "/heygen/v3/videos/v1", "acme");
  EXPECT_EQ(stage.Run(*v3), Stage::kContinue);

  auto twice = Context("GET", "/heygen/v1/video_status.get?video_id=v1&video_id=v9", "acme");
  EXPECT_EQ(stage.Run(*twice), Stage::kStop);
  EXPECT_EQ(twice->refusal, ApiError::kInvalidRequest);

  auto weird = Context("GET", "/heygen/v1/video_status.get?video_id=v1%20", "acme");
  EXPECT_EQ(stage.Run(*weird), Stage::kStop);

  auto unrelated = Context("GET", "/heygen/v2/avatars", "globex");
  EXPECT_EQ(stage.Run(*unrelated), Stage::kContinue);
}

TEST_F(OwnershipTest, AnswersBindCreatedObjectsAndListsAreFiltered) {
  OwnershipIndex index(*store_);
  auto create = Context("POST", "/heygen/v2/video/generate", "acme");
  create->subject_pseudonym = "subj";
  http::Response created;
  created.body = R"({"error":null,"data":{"video_id":"vid_acme"}})";
  ASSERT_TRUE(ApplyOwnership(*create, index, created));
  EXPECT_EQ(index.Owner("heygen", "video", "vid_acme"), "acme");

  auto v3 = Context("POST", "/heygen/v3/videos", "globex");
  http::Response v3_created;
  v3_created.body = R"({"data":{"video_id":"vid_globex","status":"pending"}})";
  ASSERT_TRUE(ApplyOwnership(*v3, index, v3_created));
  EXPECT_EQ(index.Owner("heygen", "video", "vid_globex"), "globex");

  auto list = Context("GET", "/heygen/v1/video.list", "acme");
  http::Response listing;
  listing.body =
      R"({"code":100,"data":{"videos":[{"video_id":"vid_globex"},{"video_id":"vid_acme"},)"
      R"({"video_id":"elsewhere"},{"nope":1}],"token":null},"message":"ok"})";
  ASSERT_TRUE(ApplyOwnership(*list, index, listing));
  auto doc = nlohmann::json::parse(listing.body);
  ASSERT_EQ(doc["data"]["videos"].size(), 1u);
  EXPECT_EQ(doc["data"]["videos"][0]["video_id"], "vid_acme");
  EXPECT_EQ(doc["code"], 100);

  auto v3_list = Context("GET", "/heygen/v3/videos", "globex");
  http::Response v3_listing;
  v3_listing.body = R"({"data":[{"id":"vid_acme"},{"id":"vid_globex"}],"has_more":false})";
  ASSERT_TRUE(ApplyOwnership(*v3_list, index, v3_listing));
  doc = nlohmann::json::parse(v3_listing.body);
  ASSERT_EQ(doc["data"].size(), 1u);
  EXPECT_EQ(doc["data"][0]["id"], "vid_globex");

  http::Response broken;
  broken.body = "not json";
  EXPECT_FALSE(ApplyOwnership(*list, index, broken));
  http::Response failed;
  failed.status = 500;
  failed.body = "not json";
  EXPECT_TRUE(ApplyOwnership(*list, index, failed));  // errors are not listings

  ASSERT_TRUE(index.SyncNow().ok());
  auto by_subject = store_->ListResourcesBySubject("subj").value();
  ASSERT_EQ(by_subject.size(), 1u);
  EXPECT_EQ(by_subject[0].id, "vid_acme");
  EXPECT_EQ(store_->DeleteResourcesBySubject("subj").value(), 1);
  EXPECT_TRUE(store_->ListResourcesBySubject("subj").value().empty());
}

}  // namespace
}  // namespace bulwark
