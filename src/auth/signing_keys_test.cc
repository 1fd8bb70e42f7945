// bulwark's signing keys: created once, sealed at rest, rotated with the old key kept
// published for a token lifetime.
#include "auth/signing_keys.h"

#include <filesystem>

#include <gtest/gtest.h>

#include "base/random.h"
#include "storage/sqlite_store.h"

namespace bulwark::auth {
namespace {

class SigningKeysTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("bulwark_sk_" + RandomHex(8));
    std::filesystem::create_directories(dir_);
    auto store = OpenStore("sqlite://store.db", dir_.string());
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::shared_ptr<const KeyRing> Ring(int* skipped = nullptr) {
    auto records = store_->ListSigningKeys();
    EXPECT_TRUE(records.ok());
    return KeyRing::Build(*records, master_, skipped);
  }

  std::filesystem::path dir_;
  std::unique_ptr<Store> store_;
  MasterKey master_{Secret(std::string(32, '\x42'))};
};

TEST_F(SigningKeysTest, EnsureCreatesExactlyOneKey) {
  ASSERT_TRUE(EnsureSigningKey(*store_, master_).ok());
  ASSERT_TRUE(EnsureSigningKey(*store_, master_).ok());
  auto records = store_->ListSigningKeys();
  ASSERT_EQ(records->size(), 1u);
  EXPECT_EQ((*records)[0].alg, "EdDSA");
  EXPECT_EQ((*records)[0].sealed_private.find((*records)[0].public_key), std::string::npos);
  EXPECT_TRUE(Ring()->can_sign());
}

TEST_F(SigningKeysTest, SignedTokensVerifyAndTamperedOnesDoNot) {
  ASSERT_TRUE(EnsureSigningKey(*store_, master_).ok());
  auto ring = Ring();
  auto token = ring->Sign({{"sub", "key_1"}, {"exp", 2'000'000'000}});
  ASSERT_TRUE(token.ok());
  auto jwt = ParseJwt(*token);
  ASSERT_TRUE(jwt.ok());
  EXPECT_EQ(jwt->kid, ring->active_kid());
  EXPECT_TRUE(ring->Verify(*jwt, 1'700'000'000).ok());
  jwt->signing_input += "x";
  EXPECT_FALSE(ring->Verify(*jwt, 1'700'000'000).ok());
}

TEST_F(SigningKeysTest, RotationKeepsTheOldKeyPublishedUntilNotAfter) {
  ASSERT_TRUE(EnsureSigningKey(*store_, master_).ok());
  auto before = Ring();
  auto old_token = ParseJwt(*before->Sign({{"sub", "key_1"}}));
  const int64_t now = 1'700'000'000;
  auto kid = RotateSigningKey(*store_, master_, now, now + 601);
  ASSERT_TRUE(kid.ok());
  auto after = Ring();
  EXPECT_EQ(after->active_kid(), *kid);
  EXPECT_NE(*kid, before->active_kid());
  auto jwks = nlohmann::json::parse(after->JwksJson(now + 600));
  ASSERT_EQ(jwks["keys"].size(), 2u);
  EXPECT_EQ(jwks["keys"][0]["kty"], "OKP");
  EXPECT_EQ(jwks["keys"][0]["use"], "sig");
  EXPECT_TRUE(after->Verify(*old_token, now + 600).ok());
  EXPECT_FALSE(after->Verify(*old_token, now + 601).ok());
  EXPECT_EQ(nlohmann::json::parse(after->JwksJson(now + 601))["keys"].size(), 1u);
  // A second rotation long after prunes the expired key from the store.
  ASSERT_TRUE(RotateSigningKey(*store_, master_, now + 10'000, now + 10'601).ok());
  EXPECT_EQ(store_->ListSigningKeys()->size(), 2u);
}

TEST_F(SigningKeysTest, AKeySealedUnderAnotherMasterKeyCannotSign) {
  ASSERT_TRUE(EnsureSigningKey(*store_, MasterKey(Secret(std::string(32, '\x07')))).ok());
  int skipped = 0;
  EXPECT_FALSE(Ring(&skipped)->can_sign());
  EXPECT_EQ(skipped, 1);
}

}  // namespace
}  // namespace bulwark::auth
