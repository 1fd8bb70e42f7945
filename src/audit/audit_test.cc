#include "audit/audit.h"

#include <atomic>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include <gtest/gtest.h>
#include <sqlite3.h>

#include "absl/synchronization/blocking_counter.h"
#include "absl/synchronization/mutex.h"
#include "base/random.h"
#include <sys/resource.h>

namespace bulwark::audit {
namespace {

Secret TestKey(char fill = 'k') { return Secret(std::string(32, fill)); }

Record Request(int i) {
  Record r;
  r.kind = "request";
  r.request_id = "req-" + std::to_string(i);
  r.key_id = i % 2 ? "key_odd" : "key_even";
  r.tenant = "acme";
  r.subject = "sub_" + std::to_string(i % 3);
  r.provider = "heygen";
  r.operation = "video.generate";
  r.status = i % 5 == 0 ? 422 : 200;
  r.decision = i % 5 == 0 ? "refused" : "allowed";
  r.reason = i % 5 == 0 ? "pii_blocked" : "";
  r.latency_ms = 12.5 + i;
  r.pii = {{"EMAIL", 1}, {"PHONE", i}};
  r.pii_action = "redact";
  return r;
}

class AuditTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("bulwark-audit-" + RandomHex(6));
    std::filesystem::create_directories(dir_);
    path_ = dir_ / "audit.db";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<AuditLog> Open(const std::string& node = "node-1") {
    auto log = OpenAuditLog(path_, TestKey(), node);
    EXPECT_TRUE(log.ok()) << log.status();
    return log.ok() ? std::move(*log) : nullptr;
  }

  // Writes `n` records and closes the log.
  void Fill(int n, const std::string& node = "node-1") {
    auto log = Open(node);
    for (int i = 1; i <= n; ++i) ASSERT_TRUE(log->AppendSync(Request(i)).ok());
  }

  // Runs `sql` on a second, raw connection (an attacker with write access to the file).
  void Tamper(const std::string& sql) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
    char* err = nullptr;
    int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
    EXPECT_EQ(rc, SQLITE_OK) << (err ? err : "");
    sqlite3_free(err);
    sqlite3_close(db);
  }

  VerifyResult MustVerify() {
    auto v = Verify(path_, TestKey());
    EXPECT_TRUE(v.ok()) << v.status();
    return v.ok() ? *v : VerifyResult{};
  }

  std::filesystem::path dir_;
  std::filesystem::path path_;
};

TEST_F(AuditTest, AppendedRecordsVerifyAndReadBack) {
  Fill(10);
  VerifyResult v = MustVerify();
  EXPECT_TRUE(v.ok) << v.reason;
  EXPECT_EQ(v.records, 10);

  auto tail = Tail(path_, 3).value();
  ASSERT_EQ(tail.size(), 3u);
  EXPECT_EQ(tail[0].seq, 8);
  EXPECT_EQ(tail[2].seq, 10);
  EXPECT_EQ(tail[2].node, "node-1");
  EXPECT_EQ(tail[2].request_id, "req-10");
  EXPECT_EQ(tail[2].pii.at("PHONE"), 10);
  EXPECT_DOUBLE_EQ(tail[2].latency_ms, 22.5);
  EXPECT_GT(tail[2].time_ms, 0);

  nlohmann::json j = tail[2].ToJson();
  for (const char* field : {"seq", "time", "kind", "node", "request_id", "key_id", "tenant",
                            "subject", "provider", "operation", "status", "decision", "reason",
                            "latency_ms", "pii", "pii_action", "actor", "action", "target"}) {
    EXPECT_TRUE(j.contains(field)) << field;
  }
  EXPECT_EQ(j["status"], 422);
  EXPECT_EQ(j["pii"]["EMAIL"], 1);
  EXPECT_EQ(j["time"].get<std::string>().size(), 24u);  // 2024-05-01T12:00:00.250Z
}

TEST_F(AuditTest, ReopeningContinuesTheChain) {
  Fill(3);
  Fill(4);
  VerifyResult v = MustVerify();
  EXPECT_TRUE(v.ok) << v.reason;
  EXPECT_EQ(v.records, 7);
}

TEST_F(AuditTest, ConcurrentAppendsAreGroupCommittedAndAllDurable) {
  constexpr int kThreads = 8, kPerThread = 400;
  std::atomic<int> ok{0}, failed{0}, on_caller_thread{0};
  {
    auto log = Open();
    absl::BlockingCounter pending(kThreads * kPerThread);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        auto me = std::this_thread::get_id();
        for (int i = 0; i < kPerThread; ++i) {
          log->Append(Request(t * kPerThread + i), [&, me](absl::Status st) {
            (st.ok() ? ok : failed)++;
            if (std::this_thread::get_id() == me) on_caller_thread++;
            pending.DecrementCount();
          });
        }
      });
    }
    for (auto& th : threads) th.join();
    pending.Wait();
  }
  EXPECT_EQ(ok.load(), kThreads * kPerThread);
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(on_caller_thread.load(), 0);
  VerifyResult v = MustVerify();
  EXPECT_TRUE(v.ok) << v.reason;
  EXPECT_EQ(v.records, kThreads * kPerThread);
  auto all = Tail(path_, 100000).value();
  std::set<std::string> ids;
  for (const Record& r : all) ids.insert(r.request_id);
  EXPECT_EQ(ids.size(), static_cast<size_t>(kThreads * kPerThread));
}

TEST_F(AuditTest, DetectsAChangedField) {
  Fill(10);
  Tamper("UPDATE records SET tenant = 'other' WHERE seq = 4");
  VerifyResult v = MustVerify();
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.first_bad, 4);
  EXPECT_NE(v.reason.find("changed"), std::string::npos) << v.reason;
}

TEST_F(AuditTest, DetectsAChangedStatusAndPii) {
  Fill(10);
  Tamper(
      "UPDATE records SET pii = '{}' WHERE seq = 6; UPDATE records SET status = 200 WHERE "
      "seq = 7");
  VerifyResult v = MustVerify();
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.first_bad, 6);
}

TEST_F(AuditTest, DetectsADeletedRow) {
  Fill(10);
  Tamper("DELETE FROM records WHERE seq = 5");
  VerifyResult v = MustVerify();
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.first_bad, 5);
}

TEST_F(AuditTest, DetectsADeletedRowWhenTheRestIsRenumbered) {
  Fill(10);
  Tamper("DELETE FROM records WHERE seq = 5; UPDATE records SET seq = seq - 1 WHERE seq > 5");
  VerifyResult v = MustVerify();
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.first_bad, 5);
}

TEST_F(AuditTest, DetectsAnInsertedRowAtTheEnd) {
  Fill(10);
  Tamper(
      "INSERT INTO records SELECT 11, node, time_ms, kind, 'forged', key_id, tenant, subject, "
      "provider, operation, status, decision, reason, latency_us, pii, pii_action, actor, "
      "action, target, hash, hash, purpose FROM records WHERE seq = 10");
  VerifyResult v = MustVerify();
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.first_bad, 11);
}

TEST_F(AuditTest, DetectsAnInsertedRowInTheMiddle) {
  Fill(10);
  Tamper(
      "UPDATE records SET seq = seq + 1000 WHERE seq >= 4;"
      "UPDATE records SET seq = seq - 999 WHERE seq >= 1000;"
      "INSERT INTO records SELECT 4, node, time_ms, kind, 'forged', key_id, tenant, subject, "
      "provider, operation, status, decision, reason, latency_us, pii, pii_action, actor, "
      "action, target, hash, prev_hash, purpose FROM records WHERE seq = 3");
  VerifyResult v = MustVerify();
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.first_bad, 4);
}

TEST_F(AuditTest, DetectsTwoSwappedRows) {
  Fill(10);
  Tamper(
      "UPDATE records SET seq = -1 WHERE seq = 6;"
      "UPDATE records SET seq = 6 WHERE seq = 7;"
      "UPDATE records SET seq = 7 WHERE seq = -1");
  VerifyResult v = MustVerify();
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.first_bad, 6);
}

TEST_F(AuditTest, DetectsATruncatedTail) {
  Fill(10);
  Tamper("DELETE FROM records WHERE seq > 7");
  VerifyResult v = MustVerify();
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.first_bad, 8);
  EXPECT_NE(v.reason.find("truncated"), std::string::npos) << v.reason;
}

TEST_F(AuditTest, DetectsATruncatedTailWithARewrittenCheckpoint) {
  Fill(10);
  Tamper(
      "DELETE FROM records WHERE seq > 7;"
      "UPDATE checkpoints SET count = 7, head_seq = 7, head_hash = (SELECT hash FROM records "
      "WHERE seq = 7)");
  VerifyResult v = MustVerify();
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.first_bad, 7);
  EXPECT_NE(v.reason.find("checkpoint"), std::string::npos) << v.reason;
}

TEST_F(AuditTest, DetectsADeletedCheckpoint) {
  Fill(5);
  Tamper("DELETE FROM checkpoints");
  VerifyResult v = MustVerify();
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.first_bad, 5);
}

TEST_F(AuditTest, AWrongKeyFailsVerification) {
  Fill(3);
  auto v = Verify(path_, TestKey('x'));
  ASSERT_TRUE(v.ok());
  EXPECT_FALSE(v->ok);
  EXPECT_EQ(v->first_bad, 1);
}

TEST_F(AuditTest, NodesKeepSeparateChainsInOneFile) {
  {
    auto a = Open("node-a");
    auto b = Open("node-b");
    for (int i = 0; i < 20; ++i) {
      ASSERT_TRUE((i % 3 ? a : b)->AppendSync(Request(i)).ok());
    }
  }
  VerifyResult v = MustVerify();
  EXPECT_TRUE(v.ok) << v.reason;
  EXPECT_EQ(v.records, 20);
  // Truncating one node's tail (its last record is seq 19: i = 18) is caught.
  Tamper("DELETE FROM records WHERE seq = 20");
  v = MustVerify();
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.first_bad, 20);
}

TEST_F(AuditTest, ANodeIsHeldExclusively) {
  auto first = Open("node-1");
  auto second = OpenAuditLog(path_, TestKey(), "node-1");
  EXPECT_EQ(second.status().code(), absl::StatusCode::kFailedPrecondition) << second.status();
  EXPECT_TRUE(OpenAuditLog(path_, TestKey(), "node-2").ok());
  first.reset();
  EXPECT_TRUE(OpenAuditLog(path_, TestKey(), "node-1").ok());
}

TEST_F(AuditTest, RejectsBadArguments) {
  EXPECT_FALSE(OpenAuditLog(path_, TestKey(), "").ok());
  EXPECT_FALSE(OpenAuditLog(path_, TestKey(), "../x").ok());
  EXPECT_FALSE(OpenAuditLog(path_, Secret("short"), "node-1").ok());
}

TEST_F(AuditTest, OpeningOnAnUnwritablePathFails) {
  std::ofstream(dir_ / "file") << "not a folder";
  auto log = OpenAuditLog(dir_ / "file" / "audit.db", TestKey(), "node-1");
  EXPECT_FALSE(log.ok());
  EXPECT_FALSE(OpenAuditLog(dir_ / "missing" / "audit.db", TestKey(), "node-1").ok());
}

TEST_F(AuditTest, VerifyOfAMissingLogIsNotFound) {
  EXPECT_EQ(Verify(path_, TestKey()).status().code(), absl::StatusCode::kNotFound);
}

// The disk "fills up" mid-run (RLIMIT_FSIZE makes every write past 1 byte fail with EFBIG):
// the callback gets the error, the failure is sticky, and after a reopen the log verifies.
TEST_F(AuditTest, AppendFailsThroughTheCallbackWhenTheFileBecomesUnwritable) {
  auto log = Open();
  for (int i = 1; i <= 5; ++i) ASSERT_TRUE(log->AppendSync(Request(i)).ok());

  std::signal(SIGXFSZ, SIG_IGN);
  rlimit old{};
  ASSERT_EQ(getrlimit(RLIMIT_FSIZE, &old), 0);
  rlimit tiny = old;
  tiny.rlim_cur = 1;
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &tiny), 0);
  absl::Status st = log->AppendSync(Request(6));
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &old), 0);
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(st.code(), absl::StatusCode::kUnavailable) << st;

  // Sticky: the log does not know whether the failed batch reached the disk.
  EXPECT_FALSE(log->AppendSync(Request(7)).ok());
  log.reset();

  log = Open();
  ASSERT_TRUE(log->AppendSync(Request(8)).ok());
  log.reset();
  VerifyResult v = MustVerify();
  EXPECT_TRUE(v.ok) << v.reason;
  EXPECT_EQ(v.records, 6);
}

TEST_F(AuditTest, AFullQueueRefusesAtOnceOffTheCallersThread) {
  AuditLogOptions options;
  options.max_queue = 1;
  auto log = OpenAuditLog(path_, TestKey(), "node-1", options).value();
  constexpr int kN = 2000;
  std::atomic<int> exhausted{0}, ok{0}, on_caller_thread{0};
  absl::BlockingCounter pending(kN);
  auto me = std::this_thread::get_id();
  for (int i = 0; i < kN; ++i) {
    log->Append(Request(i), [&](absl::Status st) {
      if (st.code() == absl::StatusCode::kResourceExhausted) exhausted++;
      if (st.ok()) ok++;
      if (std::this_thread::get_id() == me) on_caller_thread++;
      pending.DecrementCount();
    });
  }
  pending.Wait();
  EXPECT_GT(exhausted.load(), 0);
  EXPECT_GT(ok.load(), 0);
  EXPECT_EQ(exhausted.load() + ok.load(), kN);
  EXPECT_EQ(on_caller_thread.load(), 0);
  log.reset();
  EXPECT_EQ(MustVerify().records, ok.load());
}

TEST_F(AuditTest, SearchFilters) {
  {
    auto log = Open();
    for (int i = 1; i <= 30; ++i) {
      Record r = Request(i);
      r.time_ms = 1'700'000'000'000 + i * 1000;
      ASSERT_TRUE(log->AppendSync(r).ok());
    }
  }
  SearchFilter f;
  f.status = 422;
  auto refused = Search(path_, f).value();
  EXPECT_EQ(refused.size(), 6u);
  for (const Record& r : refused) EXPECT_EQ(r.decision, "refused");

  f = {};
  f.key_id = "key_odd";
  f.subject = "sub_1";
  auto odd = Search(path_, f).value();  // a named result: range-for over .value() of a
                                        // temporary would read a destroyed StatusOr
  EXPECT_FALSE(odd.empty());
  for (const Record& r : odd) {
    EXPECT_EQ(r.key_id, "key_odd");
    EXPECT_EQ(r.subject, "sub_1");
  }

  f = {};
  f.since_ms = 1'700'000'000'000 + 10 * 1000;
  f.until_ms = 1'700'000'000'000 + 12 * 1000;
  auto window = Search(path_, f).value();
  ASSERT_EQ(window.size(), 3u);
  EXPECT_EQ(window.front().seq, 10);  // oldest first
  EXPECT_EQ(window.back().seq, 12);

  f = {};
  f.limit = 4;
  auto newest = Search(path_, f).value();
  ASSERT_EQ(newest.size(), 4u);
  EXPECT_EQ(newest.back().seq, 30);

  f = {};
  f.tenant = "nobody";
  EXPECT_TRUE(Search(path_, f).value().empty());
}

TEST(AuditTimeTest, FormatsAndParsesRfc3339) {
  EXPECT_EQ(FormatTimeMs(1'714'564'800'250), "2024-05-01T12:00:00.250Z");
  EXPECT_EQ(FormatTimeMs(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(ParseTimeMs("2024-05-01T12:00:00Z").value(), 1'714'564'800'000);
  EXPECT_EQ(ParseTimeMs("2024-05-01T12:00:00.25Z").value(), 1'714'564'800'250);
  EXPECT_EQ(ParseTimeMs("2024-05-01T14:00:00+02:00").value(), 1'714'564'800'000);
  EXPECT_EQ(ParseTimeMs(FormatTimeMs(1'714'564'800'999)).value(), 1'714'564'800'999);
  for (const char* bad : {"", "2024-05-01", "2024-05-01T12:00:00", "2024-13-01T00:00:00Z",
                          "2024-05-01T12:00:00Zjunk", "1h"}) {
    EXPECT_FALSE(ParseTimeMs(bad).ok()) << bad;
  }
}

TEST(AuditRecordTest, ToJsonSurvivesInvalidUtf8) {
  Record r;
  r.request_id = std::string("bad\xff\xfe", 5);
  EXPECT_NO_THROW((void)r.ToJson().dump());
}

}  // namespace
}  // namespace bulwark::audit
