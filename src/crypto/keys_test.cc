#include "crypto/keys.h"

#include <filesystem>

#include <gtest/gtest.h>

#include "base/random.h"
#include <sys/stat.h>

namespace bulwark {
namespace {

class MasterKeyFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ::unsetenv("BULWARK_MASTER_KEY");
    dir_ = std::filesystem::temp_directory_path() / ("bulwark-keys-" + RandomHex(6));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
};

TEST_F(MasterKeyFileTest, CreatedWithMode0600AndLoads) {
  auto file = dir_ / "master.key";
  ASSERT_TRUE(CreateMasterKeyFile(file).ok());
  struct stat st {};
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_TRUE(LoadMasterKey(file).ok());
  EXPECT_FALSE(CreateMasterKeyFile(file).ok()) << "must never overwrite a master key";
}

TEST_F(MasterKeyFileTest, RefusesFileReadableByOthers) {
  auto file = dir_ / "master.key";
  ASSERT_TRUE(CreateMasterKeyFile(file).ok());
  ::chmod(file.c_str(), 0644);
  auto key = LoadMasterKey(file);
  ASSERT_FALSE(key.ok());
  EXPECT_NE(key.status().message().find("chmod 600"), std::string::npos);
}

TEST_F(MasterKeyFileTest, EnvironmentKeyWins) {
  ::setenv("BULWARK_MASTER_KEY", Base64Encode(std::string(32, 'k')).c_str(), 1);
  EXPECT_TRUE(LoadMasterKey(dir_ / "missing.key").ok());
  ::setenv("BULWARK_MASTER_KEY", "c2hvcnQ=", 1);
  EXPECT_FALSE(LoadMasterKey(dir_ / "missing.key").ok());
  ::unsetenv("BULWARK_MASTER_KEY");
}

TEST(Aead, RoundTripsAndBindsAssociatedData) {
  MasterKey master(Secret(std::string(32, 'm')));
  Secret key = master.Derive(KeyPurpose::kSecrets);
  std::string sealed = Seal(key, "vendor-key-123", "secret:heygen");
  EXPECT_EQ(sealed.find("vendor-key-123"), std::string::npos);
  EXPECT_EQ(Open(key, sealed, "secret:heygen")->Reveal(), "vendor-key-123");
  EXPECT_FALSE(Open(key, sealed, "secret:writesonic").ok());
  sealed[sealed.size() / 2] ^= 1;
  EXPECT_FALSE(Open(key, sealed, "secret:heygen").ok());
  EXPECT_FALSE(Open(key, "short", "secret:heygen").ok());
}

TEST(Derive, PurposesGiveDistinctKeys) {
  MasterKey master(Secret(std::string(32, 'm')));
  EXPECT_NE(KeyedHash(master.Derive(KeyPurpose::kKeyHash), "x"),
            KeyedHash(master.Derive(KeyPurpose::kAudit), "x"));
  EXPECT_EQ(KeyedHash(master.Derive(KeyPurpose::kKeyHash), "x"),
            KeyedHash(master.Derive(KeyPurpose::kKeyHash), "x"));
}

}  // namespace
}  // namespace bulwark
