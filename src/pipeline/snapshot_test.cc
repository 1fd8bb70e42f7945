#include "pipeline/snapshot.h"

#include <filesystem>

#include <gtest/gtest.h>

#include "base/random.h"
#include "storage/sqlite_store.h"

namespace bulwark {
namespace {

class SnapshotTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("bulwark-snap-" + RandomHex(6));
    std::filesystem::create_directories(dir_);
    writer_ = OpenSqliteStore(dir_ / "b.db").value();
    reader_ = OpenSqliteStore(dir_ / "b.db").value();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::filesystem::path dir_;
  std::unique_ptr<Store> writer_, reader_;  // two connections, like the CLI and `serve`
  MasterKey master_{Secret(std::string(32, 'm'))};
};

TEST_F(SnapshotTest, DecryptsSecretsAndIndexesKeysByHash) {
  ASSERT_TRUE(writer_
                  ->PutSecret("heygen",
                              Seal(master_.Derive(KeyPurpose::kSecrets), "vk", "secret:heygen"), 1)
                  .ok());
  ASSERT_TRUE(
      writer_
          ->PutSecret("swapped", Seal(master_.Derive(KeyPurpose::kSecrets), "x", "secret:other"), 1)
          .ok());
  KeyRecord k;
  k.id = "key_1";
  k.name = "n";
  k.secret_hash = "h1";
  k.scopes = {"*"};
  k.rates = {"5/s"};
  ASSERT_TRUE(writer_->CreateKey(k).ok());
  int skipped = 0;
  auto snap = LoadSnapshot(*reader_, master_, &skipped).value();
  EXPECT_EQ(snap->secrets.at("heygen").Reveal(), "vk");
  EXPECT_EQ(snap->secrets.count("swapped"), 0u) << "ciphertext bound to another name";
  EXPECT_EQ(skipped, 1);
  ASSERT_EQ(snap->keys_by_hash.count("h1"), 1u);
  EXPECT_EQ(snap->keys_by_hash.at("h1")->rates[0].count, 5u);
}

TEST_F(SnapshotTest, RevocationByAnotherConnectionIsSeenAfterRefresh) {
  KeyRecord k;
  k.id = "key_2";
  k.name = "n";
  k.secret_hash = "h2";
  k.scopes = {"*"};
  ASSERT_TRUE(writer_->CreateKey(k).ok());
  SnapshotSource source(*reader_, master_, std::chrono::milliseconds(20));
  ASSERT_TRUE(source.Start().ok());
  EXPECT_EQ(source.Current()->keys_by_hash.at("h2")->record.revoked_at, 0);
  ASSERT_TRUE(writer_->RevokeKey("key_2", 99).ok());
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  while (source.Current()->keys_by_hash.at("h2")->record.revoked_at == 0 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(source.Current()->keys_by_hash.at("h2")->record.revoked_at, 99);
  EXPECT_TRUE(source.Fresh());
}

}  // namespace
}  // namespace bulwark
