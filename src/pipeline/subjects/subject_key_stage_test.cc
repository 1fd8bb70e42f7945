// SubjectKeyStage through the real chain runner (RunStages), on a real SQLite store: the
// asynchronous hook is awaited only for first-seen subjects, and its refusals stop the
// chain before the stages after it.
#include "pipeline/subjects/subject_key_stage.h"

#include <filesystem>
#include <string>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include "base/random.h"
#include "pipeline/chain.h"
#include "storage/sqlite_store.h"

namespace bulwark {
namespace {

namespace asio = boost::asio;

// Records what the stage after the subject-key stage saw (as the consent stage would).
class Witness final : public Stage {
 public:
  std::string_view name() const override { return "witness"; }
  Result Run(RequestContext& ctx) override {
    ++runs;
    seen_pseudonym = ctx.subject_pseudonym;
    return kContinue;
  }
  int runs = 0;
  std::string seen_pseudonym;
};

// Counts how often the chain awaits the subject stage's asynchronous part.
class CountingSubjectKeyStage final : public Stage {
 public:
  explicit CountingSubjectKeyStage(SubjectResolver& resolver) : inner_(resolver) {}
  std::string_view name() const override { return inner_.name(); }
  Result Run(RequestContext& ctx) override { return inner_.Run(ctx); }
  asio::awaitable<Result> RunAsync(RequestContext& ctx) override {
    ++awaited;
    co_return co_await inner_.RunAsync(ctx);
  }
  int awaited = 0;

 private:
  SubjectKeyStage inner_;
};

class SubjectKeyStageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("bulwark-subject-stage-" + RandomHex(6));
    std::filesystem::create_directories(dir_);
    store_ = OpenSqliteStore(dir_ / "b.db").value();
    resolver_ = std::make_unique<SubjectResolver>(*store_, master_);
    auto subject_stage = std::make_unique<CountingSubjectKeyStage>(*resolver_);
    subject_stage_ = subject_stage.get();
    auto witness = std::make_unique<Witness>();
    witness_ = witness.get();
    stages_.push_back(std::move(subject_stage));
    stages_.push_back(std::move(witness));
  }
  void TearDown() override {
    stages_.clear();
    resolver_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  // One request through IdentifySubject and the chain, as Gateway::Handle does.
  std::string Send(const std::string* subject) {
    http::Request request;
    request.head.method = "GET";
    request.head.path = "/heygen/v2/avatars";
    if (subject != nullptr) request.head.headers.push_back({"X-Bulwark-Subject", *subject});
    RequestContext ctx(request, LoadSnapshot(*store_, master_).value());
    IdentifySubject(ctx, *resolver_);
    asio::io_context io;
    asio::co_spawn(io, RunStages(stages_, ctx), asio::detached);
    io.run();
    pseudonym_ = ctx.subject_pseudonym;
    return ctx.refusal ? std::string(Describe(*ctx.refusal).code) + "/" + ctx.reason : "";
  }

  std::filesystem::path dir_;
  std::unique_ptr<Store> store_;
  MasterKey master_{Secret(std::string(32, 'm'))};
  std::unique_ptr<SubjectResolver> resolver_;
  std::vector<std::unique_ptr<Stage>> stages_;
  CountingSubjectKeyStage* subject_stage_ = nullptr;
  Witness* witness_ = nullptr;
  std::string pseudonym_;
};

TEST_F(SubjectKeyStageTest, RequestWithoutSubjectIsNotAwaited) {
  EXPECT_EQ(Send(nullptr), "");
  EXPECT_EQ(subject_stage_->awaited, 0);
  EXPECT_EQ(witness_->runs, 1);
  EXPECT_EQ(witness_->seen_pseudonym, "");
}

TEST_F(SubjectKeyStageTest, FirstSeenSubjectGetsAKeyBeforeTheNextStageRuns) {
  std::string subject = "user-42";
  EXPECT_EQ(Send(&subject), "");
  EXPECT_EQ(subject_stage_->awaited, 1);
  ASSERT_EQ(witness_->runs, 1);
  EXPECT_FALSE(witness_->seen_pseudonym.empty());
  std::string first = witness_->seen_pseudonym;
  // The key is in the store now: the next snapshot carries it, nothing is awaited.
  auto stored = resolver_->keyring().Find(*store_, resolver_->keyring().Lookup(subject));
  ASSERT_TRUE(stored.ok()) << stored.status();
  ASSERT_NE(*stored, nullptr);
  EXPECT_EQ((*stored)->pseudonym(), first);
  EXPECT_EQ(Send(&subject), "");
  EXPECT_EQ(subject_stage_->awaited, 1);
  EXPECT_EQ(witness_->seen_pseudonym, first);
}

TEST_F(SubjectKeyStageTest, MalformedSubjectStopsTheChainWithoutAwaiting) {
  std::string empty;
  std::string huge(300, 'x');
  for (const std::string* subject : {&empty, &huge}) {
    EXPECT_EQ(Send(subject), "invalid_request/subject.invalid");
  }
  EXPECT_EQ(subject_stage_->awaited, 0);
  EXPECT_EQ(witness_->runs, 0);
}

// The runner itself: order, kStop, refusals, and an awaited stage that refuses.
class Step final : public Stage {
 public:
  Step(std::string label, std::vector<std::string>* log, Result sync, Result async = kContinue,
       bool reject_async = false)
      : label_(std::move(label)),
        log_(log),
        sync_(sync),
        async_(async),
        reject_async_(reject_async) {}
  std::string_view name() const override { return label_; }
  Result Run(RequestContext&) override {
    log_->push_back(label_);
    return sync_;
  }
  asio::awaitable<Result> RunAsync(RequestContext& ctx) override {
    log_->push_back(label_ + ":async");
    if (reject_async_) ctx.Reject(ApiError::kForbidden, "test.async");
    co_return async_;
  }

 private:
  std::string label_;
  std::vector<std::string>* log_;
  Result sync_, async_;
  bool reject_async_;
};

void RunChain(std::vector<std::unique_ptr<Stage>> stages, std::string* reason = nullptr) {
  http::Request request;
  RequestContext ctx(request, std::make_shared<AccessSnapshot>());
  asio::io_context io;
  asio::co_spawn(io, RunStages(stages, ctx), asio::detached);
  io.run();
  if (reason != nullptr) *reason = ctx.reason;
}

TEST(RunStages, AwaitsOnlyStagesThatAskAndStopsAtTheFirstRefusal) {
  std::vector<std::string> log;
  {
    std::vector<std::unique_ptr<Stage>> stages;
    stages.push_back(std::make_unique<Step>("a", &log, Stage::kContinue));
    stages.push_back(std::make_unique<Step>("b", &log, Stage::kAwait));
    stages.push_back(std::make_unique<Step>("c", &log, Stage::kContinue));
    RunChain(std::move(stages));
  }
  EXPECT_EQ(log, (std::vector<std::string>{"a", "b", "b:async", "c"}));
  log.clear();
  {
    std::vector<std::unique_ptr<Stage>> stages;
    stages.push_back(std::make_unique<Step>("a", &log, Stage::kAwait, Stage::kStop, true));
    stages.push_back(std::make_unique<Step>("b", &log, Stage::kContinue));
    std::string reason;
    RunChain(std::move(stages), &reason);
    EXPECT_EQ(reason, "test.async");
  }
  EXPECT_EQ(log, (std::vector<std::string>{"a", "a:async"}));
  log.clear();
  {
    std::vector<std::unique_ptr<Stage>> stages;
    stages.push_back(std::make_unique<Step>("a", &log, Stage::kStop));
    stages.push_back(std::make_unique<Step>("b", &log, Stage::kContinue));
    RunChain(std::move(stages));
  }
  EXPECT_EQ(log, (std::vector<std::string>{"a"}));
}

}  // namespace
}  // namespace bulwark
