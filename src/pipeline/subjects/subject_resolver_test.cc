// SubjectResolver and the snapshot's consent and subject-key view, on a real SQLite store.
#include "pipeline/subjects/subject_resolver.h"

#include <filesystem>

#include <gtest/gtest.h>

#include "base/random.h"
#include "pipeline/subjects/resolve_for_test.h"
#include "storage/sqlite_store.h"
#include "subjects/service.h"

namespace bulwark {
namespace {

class SubjectResolverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("bulwark-resolver-" + RandomHex(6));
    std::filesystem::create_directories(dir_);
    store_ = OpenSqliteStore(dir_ / "b.db").value();
    ProviderConfig heygen;
    heygen.name = "heygen";
    config_.providers = {heygen};
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  std::shared_ptr<const AccessSnapshot> Snapshot() {
    return LoadSnapshot(*store_, master_).value();
  }

  absl::StatusOr<std::shared_ptr<const subjects::SubjectKey>> Create(SubjectResolver& resolver,
                                                                     const std::string& lookup,
                                                                     const AccessSnapshot& snap) {
    return GetOrCreateNow(resolver, lookup, snap.subject_keys);
  }

  std::filesystem::path dir_;
  std::unique_ptr<Store> store_;
  MasterKey master_{Secret(std::string(32, 'm'))};
  Config config_;
};

TEST_F(SubjectResolverTest, SnapshotCarriesLiveConsentsAndSubjectKeysButNotRevokedOnes) {
  subjects::Keyring ring(master_);
  ASSERT_TRUE(
      subjects::GrantConsent(*store_, ring, config_, {"u1", "video", "heygen", ""}, 1).ok());
  ASSERT_TRUE(subjects::GrantConsent(*store_, ring, config_, {"u1", "ads", "", ""}, 1).ok());
  ASSERT_TRUE(subjects::RevokeConsent(*store_, ring, {"u1", "ads", "", ""}, 2).ok());
  auto snap = Snapshot();
  const auto& grants = snap->consents_by_subject.at(ring.Lookup("u1"));
  ASSERT_EQ(grants.size(), 1u);
  EXPECT_EQ(grants[0].purpose, "video");
  EXPECT_EQ(grants[0].provider, "heygen");
  ASSERT_NE(snap->subject_keys->Find(ring.Lookup("u1")), nullptr);
  EXPECT_EQ(snap->subject_keys->Find(ring.Lookup("u1"))->pseudonym(),
            ring.Find(*store_, ring.Lookup("u1")).value()->pseudonym());
}

TEST_F(SubjectResolverTest, KnownSubjectsNeedNoStoreAndNewOnesAreCreatedOnce) {
  SubjectResolver resolver(*store_, master_);
  std::string lookup = resolver.keyring().Lookup("first-seen");
  auto before = Snapshot();
  EXPECT_EQ(resolver.Known(*before, lookup), nullptr);
  auto created = Create(resolver, lookup, *before);
  ASSERT_TRUE(created.ok()) << created.status();
  // Cached until a snapshot carries it; then the snapshot answers.
  auto cached = resolver.Known(*before, lookup);
  ASSERT_NE(cached, nullptr);
  EXPECT_EQ(cached->pseudonym(), (*created)->pseudonym());
  auto after = Snapshot();
  // Issue 6 follow-up: a new subject key does not move the store version (it used to,
  // and made every node reload everything); a fresh snapshot still carries the key.
  EXPECT_EQ(after->version, before->version);
  EXPECT_EQ(resolver.Known(*after, lookup)->pseudonym(), (*created)->pseudonym());
  auto again = Create(resolver, lookup, *after);
  EXPECT_EQ((*again)->pseudonym(), (*created)->pseudonym());
}

TEST_F(SubjectResolverTest, ErasureIsSeenWithTheNextSnapshot) {
  SubjectResolver resolver(*store_, master_);
  std::string lookup = resolver.keyring().Lookup("to-erase");
  auto v0 = Snapshot();
  std::string old = Create(resolver, lookup, *v0).value()->pseudonym();
  ASSERT_TRUE(store_->EraseSubject(lookup).ok());
  auto v1 = Snapshot();
  EXPECT_EQ(resolver.Known(*v1, lookup), nullptr);  // neither snapshot nor stale cache
  // A creation that started before the erasure was seen is not cached afterwards.
  auto stale = Create(resolver, lookup, *v0);
  ASSERT_TRUE(stale.ok());
  EXPECT_NE((*stale)->pseudonym(), old);  // the store made a new key: the old one is gone
  EXPECT_EQ(resolver.Known(*v1, lookup), nullptr);
}

}  // namespace
}  // namespace bulwark
