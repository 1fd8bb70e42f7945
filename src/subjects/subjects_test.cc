#include <filesystem>

#include <gtest/gtest.h>

#include "base/random.h"
#include "storage/sqlite_store.h"
#include "subjects/keyring.h"
#include "subjects/processing.h"
#include "subjects/service.h"

namespace bulwark::subjects {
namespace {

MasterKey TestMaster() { return MasterKey(Secret(std::string(32, 'm'))); }

class SubjectsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("bulwark-subjects-" + RandomHex(6));
    std::filesystem::create_directories(dir_);
    store_ = OpenSqliteStore(dir_ / "b.db").value();
    ProviderConfig heygen;
    heygen.name = "heygen";
    heygen.retention = std::chrono::seconds(100);
    ProviderConfig writesonic;
    writesonic.name = "writesonic";
    writesonic.retention = std::chrono::seconds(1000);
    config_.providers = {heygen, writesonic};
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  ConsentRequest Consent(const std::string& subject, const std::string& purpose,
                         const std::string& provider = "") {
    return {subject, purpose, provider, "signed form 7"};
  }
  PayloadRecord Payload(const std::string& subject, const std::string& provider, int64_t at) {
    PayloadRecord p;
    p.subject = subject;
    p.request_id = RandomHex(16);
    p.provider = provider;
    p.operation = "video.generate";
    p.direction = "request";
    p.created_at = at;
    return p;
  }

  std::filesystem::path dir_;
  std::unique_ptr<Store> store_;
  MasterKey master_ = TestMaster();
  Keyring ring_{master_};
  Config config_;
};

TEST_F(SubjectsTest, StoreKeepsOnlyTheLookupHashNeverTheRawSubjectId) {
  ASSERT_TRUE(
      GrantConsent(*store_, ring_, config_, Consent("alice@example.com", "video"), 10).ok());
  auto live = store_->ListLiveConsents().value();
  ASSERT_EQ(live.size(), 1u);
  EXPECT_EQ(live[0].subject, ring_.Lookup("alice@example.com"));
  EXPECT_EQ(live[0].subject.find("alice"), std::string::npos);
  EXPECT_NE(ring_.Lookup("alice@example.com"), ring_.Lookup("bob@example.com"));
}

TEST_F(SubjectsTest, GrantIsIdempotentAndRevokeEndsOnlyTheMatchingConsent) {
  int64_t v0 = store_->Version().value();
  auto first = GrantConsent(*store_, ring_, config_, Consent("s1", "video", "heygen"), 10);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_GT(store_->Version().value(), v0);
  ASSERT_TRUE(GrantConsent(*store_, ring_, config_, Consent("s1", "video", "heygen"), 20).ok());
  ASSERT_TRUE(GrantConsent(*store_, ring_, config_, Consent("s1", "video"), 30).ok());
  auto list = ListConsents(*store_, ring_, "s1").value();
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0]["granted_at"], "1970-01-01T00:00:10.000Z");  // the second grant changed nothing
  EXPECT_EQ(list[0]["evidence"], "signed form 7");

  auto revoked = RevokeConsent(*store_, ring_, Consent("s1", "video", "heygen"), 40);
  ASSERT_TRUE(revoked.ok()) << revoked.status();
  EXPECT_EQ(revoked->result["live"], false);
  EXPECT_EQ(RevokeConsent(*store_, ring_, Consent("s1", "video", "heygen"), 41).status().code(),
            absl::StatusCode::kNotFound);
  auto live = store_->ListLiveConsents().value();
  ASSERT_EQ(live.size(), 1u);
  EXPECT_EQ(live[0].provider, "");
  // A new grant after a revocation is a new record; the revoked one stays as history.
  ASSERT_TRUE(GrantConsent(*store_, ring_, config_, Consent("s1", "video", "heygen"), 50).ok());
  EXPECT_EQ(ListConsents(*store_, ring_, "s1").value().size(), 3u);
}

TEST_F(SubjectsTest, GrantRefusesBadInputAndUnconfiguredProviders) {
  EXPECT_EQ(GrantConsent(*store_, ring_, config_, Consent("s1", "bad purpose"), 1).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(GrantConsent(*store_, ring_, config_, Consent("", "video"), 1).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(
      GrantConsent(*store_, ring_, config_, Consent("s1", "video", "acme"), 1).status().code(),
      absl::StatusCode::kInvalidArgument);
  ConsentRequest bad_evidence = Consent("s1", "video");
  bad_evidence.evidence = "line1\nline2";
  EXPECT_EQ(GrantConsent(*store_, ring_, config_, bad_evidence, 1).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(store_->ListLiveConsents().value().empty());
}

TEST_F(SubjectsTest, ConcurrentCreatorsOfOneSubjectKeyAllGetTheFirstKey) {
  std::string lookup = ring_.Lookup("racer");
  auto a = store_->GetOrCreateSubjectKey(ring_.NewRecord(lookup, 1)).value();
  auto b = store_->GetOrCreateSubjectKey(ring_.NewRecord(lookup, 2)).value();
  EXPECT_EQ(a.sealed, b.sealed);
  EXPECT_EQ(b.created_at, 1);
  auto second_store = OpenSqliteStore(dir_ / "b.db").value();
  auto k1 = ring_.GetOrCreate(*store_, lookup).value();
  auto k2 = ring_.GetOrCreate(*second_store, lookup).value();
  EXPECT_EQ(k1->pseudonym(), k2->pseudonym());
  EXPECT_EQ(k1->pseudonym().size(), 32u);
}

TEST_F(SubjectsTest, SubjectKeysAreRandomNotDerivableFromTheMasterKey) {
  Store& store = *store_;
  std::string lookup = ring_.Lookup("carol");
  std::string before = ring_.GetOrCreate(store, lookup).value()->pseudonym();
  ASSERT_TRUE(store.EraseSubject(lookup).ok());
  EXPECT_EQ(ring_.Find(store, lookup).value(), nullptr);
  std::string after = ring_.GetOrCreate(store, lookup).value()->pseudonym();
  EXPECT_NE(before, after);  // same master key, same subject id: a different pseudonym
}

TEST_F(SubjectsTest, PayloadsSealUnderTheSubjectKeyOrAPerRecordKey) {
  auto key = ring_.GetOrCreate(*store_, ring_.Lookup("dave")).value();
  PayloadRecord with = Payload(ring_.Lookup("dave"), "heygen", 5);
  ring_.SealPayload(key.get(), "{\"text\":\"[EMAIL]\"}", &with);
  EXPECT_TRUE(with.sealed_key.empty());
  EXPECT_EQ(with.sealed.find("[EMAIL]"), std::string::npos);
  EXPECT_EQ(ring_.OpenPayload(key.get(), with).value(), "{\"text\":\"[EMAIL]\"}");
  auto other = ring_.GetOrCreate(*store_, ring_.Lookup("erin")).value();
  EXPECT_FALSE(ring_.OpenPayload(other.get(), with).ok());
  EXPECT_FALSE(ring_.OpenPayload(nullptr, with).ok());

  PayloadRecord without = Payload("", "heygen", 5);
  ring_.SealPayload(nullptr, "anonymous body", &without);
  EXPECT_FALSE(without.sealed_key.empty());
  EXPECT_EQ(ring_.OpenPayload(nullptr, without).value(), "anonymous body");
  PayloadRecord moved = without;
  moved.request_id = "another";  // the AAD binds the ciphertext to its row
  EXPECT_FALSE(ring_.OpenPayload(nullptr, moved).ok());
}

TEST_F(SubjectsTest, ExportFindsEverythingAndEraseLeavesNothingLinkable) {
  ASSERT_TRUE(GrantConsent(*store_, ring_, config_, Consent("frank", "video"), 10).ok());
  auto key = ring_.GetOrCreate(*store_, ring_.Lookup("frank")).value();
  PayloadRecord p = Payload(ring_.Lookup("frank"), "heygen", 11);
  ring_.SealPayload(key.get(), "hello", &p);
  ASSERT_TRUE(store_->AddPayloads({p}).ok());
  ResourceRecord r;
  r.provider = "heygen";
  r.kind = "video";
  r.id = "vid_1";
  r.tenant = "default";
  r.key_id = "key_1";
  r.subject = key->pseudonym();
  r.created_at = 12;
  ASSERT_TRUE(store_->PutResource(r).ok());
  auto audit_path = dir_ / "audit.db";  // absent: no audit records

  auto out = ExportSubject(*store_, ring_, audit_path, "frank").value();
  EXPECT_EQ(out["subject"], "frank");
  EXPECT_EQ(out["consents"].size(), 1u);
  ASSERT_EQ(out["payloads"].size(), 1u);
  EXPECT_EQ(out["payloads"][0]["body"], "hello");
  ASSERT_EQ(out["resources"].size(), 1u);
  EXPECT_EQ(out["resources"][0]["id"], "vid_1");
  EXPECT_TRUE(out["audit"].empty());

  auto erased = EraseSubject(*store_, ring_, "frank").value();
  EXPECT_EQ(erased.result["erased"]["consents"], 1);
  EXPECT_EQ(erased.result["erased"]["payloads"], 1);
  EXPECT_EQ(erased.result["erased"]["resources"], 1);
  EXPECT_EQ(erased.result["erased"]["key"], true);
  EXPECT_EQ(erased.target, "subject:" + key->pseudonym());
  auto after = ExportSubject(*store_, ring_, audit_path, "frank").value();
  for (const char* field : {"consents", "audit", "payloads", "resources"}) {
    EXPECT_TRUE(after[field].is_array() && after[field].empty()) << field;
  }
  EXPECT_TRUE(store_->ListSubjectKeys().value().empty());
}

TEST_F(SubjectsTest, PurgeDeletesExactlyWhatEachProvidersRetentionSays) {
  const int64_t now = 10000;
  std::vector<PayloadRecord> rows = {
      Payload("", "heygen", now - 101),       // older than heygen's 100 s: deleted
      Payload("", "heygen", now - 100),       // exactly at the limit: kept
      Payload("", "writesonic", now - 500),   // within writesonic's 1000 s: kept
      Payload("", "writesonic", now - 1001),  // deleted
      Payload("", "gone", now - 86400 * 31),  // unconfigured provider, default 30d: deleted
      Payload("", "gone", now - 86400 * 29),  // kept
  };
  for (auto& r : rows) ring_.SealPayload(nullptr, "x", &r);
  ASSERT_TRUE(store_->AddPayloads(rows).ok());
  auto summary = Purge(*store_, config_, now).value();
  EXPECT_EQ(summary["deleted"], 3);
  EXPECT_EQ(summary["providers"]["heygen"]["deleted"], 1);
  EXPECT_EQ(summary["providers"]["writesonic"]["deleted"], 1);
  EXPECT_EQ(summary["providers"]["gone"]["deleted"], 1);
  EXPECT_EQ(Purge(*store_, config_, now).value()["deleted"], 0);
}

audit::Record Request(const std::string& provider, const std::string& purpose,
                      const std::string& decision, std::map<std::string, int> pii,
                      std::map<std::string, std::string> actions, const std::string& reason = "") {
  audit::Record r;
  r.kind = "request";
  r.provider = provider;
  r.purpose = purpose;
  r.decision = decision;
  r.reason = reason;
  r.pii = std::move(pii);
  r.pii_action = "redact";
  if (!actions.empty()) r.pii_action.clear();
  for (const auto& [type, action] : actions) {
    r.pii_action += (r.pii_action.empty() ? "" : ",") + type + "=" + action;
  }
  return r;
}

TEST(ProcessingReportTest, CountsEachRequestOnceByProviderPurposeTypeAndAction) {
  std::vector<audit::Record> records = {
      Request("heygen", "video", "allowed", {{"EMAIL", 2}, {"PERSON", 1}},
              {{"EMAIL", "redact"}, {"PERSON", "allow"}}),
      Request("heygen", "video", "answered", {{"EMAIL", 2}}, {{"EMAIL", "redact"}}),  // repeat
      Request("heygen", "video", "refused", {{"US_SSN", 1}}, {{"US_SSN", "block"}}, "pii_blocked"),
      Request("heygen", "", "allowed", {{"EMAIL", 1}}, {}),  // old record: provider-wide action
      Request("writesonic", "copy", "allowed", {{"PHONE", 3}}, {{"PHONE", "pseudonymize"}}),
      Request("writesonic", "copy", "refused", {}, {}, "forbidden"),  // nothing was processed
  };
  auto report = ProcessingReport(records, 0, 1000);
  EXPECT_EQ(report["requests"], 4);
  const auto& rows = report["processing"];
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0]["provider"], "heygen");
  EXPECT_EQ(rows[0]["purpose"], "");
  EXPECT_EQ(rows[0]["pii"]["EMAIL"]["redacted"], 1);
  EXPECT_EQ(rows[1]["purpose"], "video");
  EXPECT_EQ(rows[1]["requests"], 2);
  EXPECT_EQ(rows[1]["pii"]["EMAIL"]["redacted"], 2);
  EXPECT_EQ(rows[1]["pii"]["PERSON"]["sent"], 1);
  EXPECT_EQ(rows[1]["pii"]["US_SSN"]["blocked"], 1);
  EXPECT_EQ(rows[2]["pii"]["PHONE"]["pseudonymised"], 3);
  std::string table = ProcessingTable(report);
  EXPECT_NE(table.find("PSEUDONYMISED"), std::string::npos);
  EXPECT_NE(table.find("writesonic"), std::string::npos);
}

}  // namespace
}  // namespace bulwark::subjects
