// Strict JWT parsing and verification: every forged-token case of issue 3 item 5 is
// refused, and tokens signed with real RS256 / ES256 / EdDSA keys verify.
#include "auth/jwt.h"

#include <gtest/gtest.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>

#include "auth/jwk.h"
#include "auth/scopes.h"

namespace bulwark::auth {
namespace {

using Json = nlohmann::json;

std::string B64(const Json& j) { return Base64UrlEncode(j.dump()); }

// A freshly generated key pair, signing as JWS does.
class TestKey {
 public:
  explicit TestKey(const std::string& alg) : alg_(alg) {
    if (alg == "RS256") {
      pkey_ = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{2048});
    } else if (alg == "ES256") {
      pkey_ = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
    } else {
      pkey_ = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
    }
  }
  ~TestKey() { EVP_PKEY_free(pkey_); }

  PublicKey Public(const std::string& kid) const {
    BIO* bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PUBKEY(bio, pkey_);
    char* data = nullptr;
    long n = BIO_get_mem_data(bio, &data);
    std::string pem(data, static_cast<size_t>(n));
    BIO_free(bio);
    auto k = ParsePemPublicKey(pem, kid);
    EXPECT_TRUE(k.ok()) << k.status();
    return *k;
  }

  std::string Sign(const std::string& input) const {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    const EVP_MD* md = alg_ == "EdDSA" ? nullptr : EVP_sha256();
    EVP_DigestSignInit(ctx, nullptr, md, nullptr, pkey_);
    size_t len = 0;
    EVP_DigestSign(ctx, nullptr, &len, reinterpret_cast<const unsigned char*>(input.data()),
                   input.size());
    std::string sig(len, '\0');
    EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &len,
                   reinterpret_cast<const unsigned char*>(input.data()), input.size());
    sig.resize(len);
    EVP_MD_CTX_free(ctx);
    if (alg_ != "ES256") return sig;
    const unsigned char* p = reinterpret_cast<const unsigned char*>(sig.data());
    ECDSA_SIG* es = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(sig.size()));
    std::string raw(64, '\0');
    BN_bn2binpad(ECDSA_SIG_get0_r(es), reinterpret_cast<unsigned char*>(raw.data()), 32);
    BN_bn2binpad(ECDSA_SIG_get0_s(es), reinterpret_cast<unsigned char*>(raw.data()) + 32, 32);
    ECDSA_SIG_free(es);
    return raw;
  }

  std::string Token(const Json& header, const Json& claims) const {
    std::string input = B64(header) + "." + B64(claims);
    return input + "." + Base64UrlEncode(Sign(input));
  }

 private:
  std::string alg_;
  EVP_PKEY* pkey_ = nullptr;
};

constexpr int64_t kNow = 1'700'000'000;

Json Claims() {
  return {{"iss", "https://idp.test"}, {"aud", "bulwark"}, {"sub", "user-1"},
          {"exp", kNow + 300},         {"iat", kNow},      {"scope", "heygen:*"}};
}

// Parse + find key + verify + claims, as the authn stage does.
absl::Status Check(const std::string& token, const std::vector<PublicKey>& keys,
                   const std::vector<std::string>& allowed = {"RS256", "ES256", "EdDSA"}) {
  auto jwt = ParseJwt(token);
  if (!jwt.ok()) return jwt.status();
  if (std::find(allowed.begin(), allowed.end(), jwt->alg) == allowed.end()) {
    return absl::UnauthenticatedError("jwt.alg_not_allowed");
  }
  const PublicKey* key = FindKey(keys, jwt->kid, jwt->alg);
  if (key == nullptr) return absl::UnauthenticatedError("jwt.unknown_kid");
  if (auto st = VerifySignature(*key, jwt->alg, jwt->signing_input, jwt->signature); !st.ok()) {
    return st;
  }
  return CheckClaims(*jwt, {"https://idp.test", "bulwark", kNow, 1});
}

class JwtTest : public ::testing::TestWithParam<std::string> {};

TEST_P(JwtTest, ValidTokenOfEachAlgorithmVerifies) {
  TestKey key(GetParam());
  std::string token = key.Token({{"alg", GetParam()}, {"typ", "JWT"}, {"kid", "k1"}}, Claims());
  EXPECT_TRUE(Check(token, {key.Public("k1")}).ok()) << Check(token, {key.Public("k1")});
}

TEST_P(JwtTest, AlteredClaimsOrSignatureAreRefused) {
  TestKey key(GetParam());
  std::string token = key.Token({{"alg", GetParam()}, {"kid", "k1"}}, Claims());
  Json other = Claims();
  other["scope"] = "*";
  size_t d1 = token.find('.'), d2 = token.rfind('.');
  std::string swapped = token.substr(0, d1) + "." + B64(other) + token.substr(d2);
  EXPECT_FALSE(Check(swapped, {key.Public("k1")}).ok());
  std::string flipped = token;
  flipped[d2 + 3] = flipped[d2 + 3] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(Check(flipped, {key.Public("k1")}).ok());
  EXPECT_FALSE(Check(token.substr(0, d2 + 1), {key.Public("k1")}).ok());  // stripped
}

INSTANTIATE_TEST_SUITE_P(Algorithms, JwtTest, ::testing::Values("RS256", "ES256", "EdDSA"));

TEST(Jwt, KeyOfAnotherTypeNeverVerifies) {
  TestKey rsa("RS256");
  TestKey ec("ES256");
  std::string token = ec.Token({{"alg", "ES256"}, {"kid", "k1"}}, Claims());
  EXPECT_FALSE(Check(token, {rsa.Public("k1")}).ok());
}

TEST(Jwt, HmacSignedWithThePublicKeyIsRefused) {
  TestKey rsa("RS256");
  PublicKey pub = rsa.Public("k1");
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PUBKEY(bio, pub.pkey.get());
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<size_t>(n));
  BIO_free(bio);
  std::string input = B64({{"alg", "HS256"}, {"kid", "k1"}}) + "." + B64(Claims());
  unsigned char mac[32];
  unsigned int len = 0;
  HMAC(EVP_sha256(), pem.data(), static_cast<int>(pem.size()),
       reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac, &len);
  std::string token = input + "." + Base64UrlEncode(std::string(reinterpret_cast<char*>(mac), len));
  EXPECT_FALSE(Check(token, {pub}, {"RS256", "HS256"}).ok());  // even if HS256 were listed
}

TEST(Jwt, HeaderRulesRefuseForgedTokens) {
  std::string claims = B64(Claims());
  std::string sig = Base64UrlEncode(std::string(64, 'x'));
  auto parse = [&](const Json& header) { return ParseJwt(B64(header) + "." + claims + "." + sig); };
  for (const char* none : {"none", "None", "NONE", "nOnE"}) {
    EXPECT_EQ(parse({{"alg", none}}).status().message(), "jwt.alg_none");
  }
  EXPECT_FALSE(parse({{"alg", "EdDSA"}, {"jwk", {{"kty", "OKP"}}}}).ok());
  EXPECT_FALSE(parse({{"alg", "EdDSA"}, {"jku", "https://evil/jwks"}}).ok());
  EXPECT_FALSE(parse({{"alg", "EdDSA"}, {"x5u", "https://evil/cert"}}).ok());
  EXPECT_FALSE(parse({{"alg", "EdDSA"}, {"crit", {"exp"}}, {"exp", 1}}).ok());
  EXPECT_FALSE(parse({{"alg", "EdDSA"}, {"typ", "JWE"}}).ok());
  EXPECT_FALSE(parse({{"alg", "EdDSA"}, {"kid", 7}}).ok());
  EXPECT_FALSE(parse({{"typ", "JWT"}}).ok());
  EXPECT_TRUE(parse({{"alg", "EdDSA"}, {"typ", "jwt"}}).ok());
  // A header that "none" would use with an empty signature.
  EXPECT_FALSE(ParseJwt(B64({{"alg", "EdDSA"}}) + "." + claims + ".").ok());
}

TEST(Jwt, EncodingAndSizeRulesRefuseMalformedTokens) {
  std::string h = B64({{"alg", "EdDSA"}});
  std::string c = B64(Claims());
  std::string s = Base64UrlEncode(std::string(64, 'x'));
  EXPECT_TRUE(ParseJwt(h + "." + c + "." + s).ok());
  EXPECT_FALSE(ParseJwt(h + "=." + c + "." + s).ok());  // padding
  EXPECT_FALSE(ParseJwt(h + "." + c + "." + s + "==").ok());
  EXPECT_FALSE(ParseJwt(h + "." + c + "+." + s).ok());           // standard alphabet
  EXPECT_FALSE(ParseJwt(h + "." + c + "." + s + "." + s).ok());  // four segments
  EXPECT_FALSE(ParseJwt(h + "." + c).ok());
  EXPECT_FALSE(ParseJwt("." + c + "." + s).ok());
  EXPECT_FALSE(ParseJwt(h + "." + c + "." + s.substr(0, s.size() - 1) + "B").ok());  // bits
  Json big = Claims();
  big["pad"] = std::string(kMaxTokenSize, 'a');
  EXPECT_EQ(ParseJwt(h + "." + B64(big) + "." + s).status().message(), "jwt.too_large");
}

TEST(Jwt, DuplicateMembersAreRefused) {
  std::string s = Base64UrlEncode(std::string(64, 'x'));
  std::string c = B64(Claims());
  EXPECT_FALSE(
      ParseJwt(Base64UrlEncode(R"({"alg":"EdDSA","alg":"none"})") + "." + c + "." + s).ok());
  std::string dup_claims = Base64UrlEncode(R"({"sub":"a","exp":1,"exp":99999999999})");
  EXPECT_FALSE(ParseJwt(B64({{"alg", "EdDSA"}}) + "." + dup_claims + "." + s).ok());
  EXPECT_FALSE(ParseStrictJsonObject(R"({"a":{"b":1,"b":2}})").ok());
  EXPECT_TRUE(ParseStrictJsonObject(R"({"a":{"b":1},"c":{"b":2}})").ok());
  EXPECT_FALSE(ParseStrictJsonObject("[1]").ok());
}

TEST(Jwt, ClaimChecksUseTheLeeway) {
  auto check = [](Json claims) {
    Jwt jwt;
    jwt.claims = std::move(claims);
    return std::string(CheckClaims(jwt, {"https://idp.test", "bulwark", kNow, 1}).message());
  };
  EXPECT_EQ(check(Claims()), "");
  Json c = Claims();
  c["exp"] = kNow - 1;
  EXPECT_EQ(check(c), "jwt.expired");
  c["exp"] = kNow;  // within the 1 s leeway
  EXPECT_EQ(check(c), "");
  c["exp"] = std::to_string(kNow + 300);
  EXPECT_EQ(check(c), "jwt.bad_exp");
  c = Claims();
  c.erase("exp");
  EXPECT_EQ(check(c), "jwt.bad_exp");
  c = Claims();
  c["nbf"] = kNow + 60;
  EXPECT_EQ(check(c), "jwt.not_yet_valid");
  c = Claims();
  c["iat"] = kNow + 60;
  EXPECT_EQ(check(c), "jwt.issued_in_future");
  c = Claims();
  c["aud"] = "someone-else";
  EXPECT_EQ(check(c), "jwt.bad_aud");
  c["aud"] = {"x", "bulwark"};
  EXPECT_EQ(check(c), "");
  c["iss"] = "https://evil.test";
  EXPECT_EQ(check(c), "jwt.bad_iss");
  c = Claims();
  c["sub"] = "with space";
  EXPECT_EQ(check(c), "jwt.bad_sub");
}

TEST(Jwt, UnknownKidFindsNoKey) {
  TestKey key("EdDSA");
  std::vector<PublicKey> keys = {key.Public("k1")};
  EXPECT_EQ(FindKey(keys, "k2", "EdDSA"), nullptr);
  EXPECT_NE(FindKey(keys, "", "EdDSA"), nullptr);
  EXPECT_EQ(FindKey(keys, "", "ES256"), nullptr);
}

TEST(Jwks, ParsesKeysAndRefusesMismatchedAlg) {
  auto keys = ParseJwks(
      R"({"keys":[{"kty":"EC","crv":"P-256","kid":"ec","alg":"ES256",)"
      R"("x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",)"
      R"("y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"},)"
      R"({"kty":"OKP","crv":"Ed25519","kid":"ed","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]})");
  ASSERT_TRUE(keys.ok()) << keys.status();
  ASSERT_EQ(keys->size(), 2u);
  EXPECT_EQ((*keys)[0].alg, "ES256");
  EXPECT_EQ((*keys)[1].alg, "EdDSA");
  EXPECT_FALSE(ParseJwks(R"({"keys":[{"kty":"OKP","crv":"Ed25519","alg":"RS256",)"
                         R"("x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]})")
                   .ok());
  EXPECT_FALSE(ParseJwks(R"({"keys":[{"kty":"oct","k":"c2VjcmV0"}]})").ok());
  EXPECT_FALSE(ParseJwks(R"({"keys":[{"kty":"EC","crv":"P-256","x":"AA","y":"AA"}]})").ok());
}

TEST(Scopes, IntersectionNeverWidens) {
  EXPECT_EQ(IntersectScopes({"heygen:*"}, {"heygen:video.generate", "writesonic:*"}),
            (std::vector<std::string>{"heygen:video.generate"}));
  EXPECT_EQ(IntersectScopes({"heygen:video.generate"}, {"heygen:*"}),
            (std::vector<std::string>{"heygen:video.generate"}));
  EXPECT_EQ(IntersectScopes({"*"}, {"heygen:avatars.list"}),
            (std::vector<std::string>{"heygen:avatars.list"}));
  EXPECT_TRUE(IntersectScopes({"writesonic:*"}, {"heygen:*"}).empty());
  EXPECT_FALSE(ScopeCovers("heygen:*", "heygenx:a"));
  EXPECT_FALSE(ScopeCovers("heygen:a", "*"));
}

}  // namespace
}  // namespace bulwark::auth
