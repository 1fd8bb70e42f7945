#include "storage/sqlite_store.h"

#include <filesystem>

#include <gtest/gtest.h>

#include "base/random.h"

namespace bulwark {
namespace {

class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("bulwark-store-" + RandomHex(6));
    std::filesystem::create_directories(dir_);
    store_ = OpenSqliteStore(dir_ / "b.db").value();
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  KeyRecord Key(const std::string& id) {
    KeyRecord k;
    k.id = id;
    k.name = "app";
    k.secret_hash = "hash-" + id;
    k.scopes = {"heygen:*"};
    k.allow_ips = {"10.0.0.0/8"};
    k.rates = {"10/s"};
    k.created_at = 100;
    return k;
  }
  std::filesystem::path dir_;
  std::unique_ptr<Store> store_;
};

TEST_F(SqliteStoreTest, KeysRoundTripAndEveryMutationBumpsVersion) {
  int64_t v0 = store_->Version().value();
  ASSERT_TRUE(store_->CreateKey(Key("key_a")).ok());
  int64_t v1 = store_->Version().value();
  EXPECT_GT(v1, v0);
  auto got = store_->GetKey("key_a").value();
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->scopes, std::vector<std::string>{"heygen:*"});
  EXPECT_EQ(got->allow_ips, std::vector<std::string>{"10.0.0.0/8"});
  EXPECT_EQ(got->rates, std::vector<std::string>{"10/s"});
  EXPECT_EQ(store_->CreateKey(Key("key_a")).code(), absl::StatusCode::kAlreadyExists);
  ASSERT_TRUE(store_->RevokeKey("key_a", 200).ok());
  EXPECT_EQ(store_->GetKey("key_a").value()->revoked_at, 200);
  EXPECT_GT(store_->Version().value(), v1);
  EXPECT_EQ(store_->RevokeKey("key_missing", 1).code(), absl::StatusCode::kNotFound);
  EXPECT_FALSE(store_->GetKey("key_missing").value().has_value());
}

TEST_F(SqliteStoreTest, RotationKeepsIdAndRemembersThePreviousSecret) {
  ASSERT_TRUE(store_->CreateKey(Key("key_r")).ok());
  ASSERT_TRUE(store_->RotateKey("key_r", "hash-new", 500).ok());
  auto k = store_->GetKey("key_r").value().value();
  EXPECT_EQ(k.secret_hash, "hash-new");
  EXPECT_EQ(k.previous_secret_hash, "hash-key_r");
  EXPECT_EQ(k.previous_expires_at, 500);
  EXPECT_EQ(k.scopes, std::vector<std::string>{"heygen:*"});
  EXPECT_EQ(store_->RotateKey("key_missing", "h", 1).code(), absl::StatusCode::kNotFound);
  ASSERT_TRUE(store_->RevokeKey("key_r", 1).ok());
  EXPECT_EQ(store_->RotateKey("key_r", "h2", 1).code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(SqliteStoreTest, SecretsUpsertAndDelete) {
  ASSERT_TRUE(store_->PutSecret("heygen", "sealed-1", 1).ok());
  ASSERT_TRUE(store_->PutSecret("heygen", "sealed-2", 2).ok());
  auto list = store_->ListSecrets().value();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].sealed, "sealed-2");
  EXPECT_EQ(list[0].created_at, 1);
  EXPECT_EQ(list[0].updated_at, 2);
  EXPECT_TRUE(store_->DeleteSecret("heygen").ok());
  EXPECT_EQ(store_->DeleteSecret("heygen").code(), absl::StatusCode::kNotFound);
}

TEST_F(SqliteStoreTest, ChangesAreVisibleToASecondConnection) {
  auto other = OpenSqliteStore(dir_ / "b.db").value();
  int64_t before = other->Version().value();
  ASSERT_TRUE(store_->CreateKey(Key("key_b")).ok());
  EXPECT_GT(other->Version().value(), before);
  EXPECT_TRUE(other->GetKey("key_b").value().has_value());
}

TEST_F(SqliteStoreTest, ReopeningDoesNotReapplyMigrations) {
  ASSERT_TRUE(store_->CreateKey(Key("key_c")).ok());
  store_.reset();
  store_ = OpenSqliteStore(dir_ / "b.db").value();
  EXPECT_TRUE(store_->GetKey("key_c").value().has_value());
}

}  // namespace
}  // namespace bulwark
