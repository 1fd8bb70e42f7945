#include "auth/jwk.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

#include "auth/jwt.h"
#include "base/status_macros.h"

namespace bulwark::auth {
namespace {

absl::Status Invalid(std::string_view why) { return absl::InvalidArgumentError(std::string(why)); }

std::shared_ptr<EVP_PKEY> Own(EVP_PKEY* p) { return std::shared_ptr<EVP_PKEY>(p, EVP_PKEY_free); }

// The algorithm a key verifies, from its type; "" for anything else.
absl::StatusOr<std::string> AlgOf(EVP_PKEY* pkey) {
  switch (EVP_PKEY_get_base_id(pkey)) {
    case EVP_PKEY_RSA:
      if (EVP_PKEY_get_bits(pkey) < 2048) return Invalid("RSA keys must have 2048 bits or more");
      return std::string("RS256");
    case EVP_PKEY_EC: {
      char group[64] = {0};
      size_t len = 0;
      if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
                                         &len) != 1 ||
          std::string_view(group, len) != "prime256v1") {
        return Invalid("EC keys must be on P-256");
      }
      return std::string("ES256");
    }
    case EVP_PKEY_ED25519:
      return std::string("EdDSA");
    default:
      return Invalid("unsupported key type (RSA, EC P-256 or Ed25519)");
  }
}

absl::StatusOr<std::string> Member(const nlohmann::json& jwk, const char* name) {
  auto it = jwk.find(name);
  if (it == jwk.end() || !it->is_string()) {
    return Invalid(std::string("JWK member '") + name + "' is missing");
  }
  auto decoded = Base64UrlDecode(it->get<std::string>());
  if (!decoded.ok() || decoded->empty()) {
    return Invalid(std::string("JWK member '") + name + "' is not base64url");
  }
  return *decoded;
}

absl::StatusOr<std::shared_ptr<EVP_PKEY>> FromParams(const char* type, OSSL_PARAM_BLD* bld) {
  OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(bld);
  OSSL_PARAM_BLD_free(bld);
  if (params == nullptr) return Invalid("bad key parameters");
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr);
  EVP_PKEY* pkey = nullptr;
  bool ok = ctx != nullptr && EVP_PKEY_fromdata_init(ctx) == 1 &&
            EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) == 1;
  EVP_PKEY_CTX_free(ctx);
  OSSL_PARAM_free(params);
  if (!ok || pkey == nullptr) return Invalid("bad key parameters");
  return Own(pkey);
}

absl::StatusOr<std::shared_ptr<EVP_PKEY>> RsaKey(const nlohmann::json& jwk) {
  ASSIGN_OR_RETURN(std::string n, Member(jwk, "n"));
  ASSIGN_OR_RETURN(std::string e, Member(jwk, "e"));
  if (n.size() > 1024 || e.size() > 8) return Invalid("RSA key too large");
  BIGNUM* bn_n = BN_bin2bn(reinterpret_cast<const unsigned char*>(n.data()),
                           static_cast<int>(n.size()), nullptr);
  BIGNUM* bn_e = BN_bin2bn(reinterpret_cast<const unsigned char*>(e.data()),
                           static_cast<int>(e.size()), nullptr);
  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  bool ok = bn_n && bn_e && bld && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn_n) == 1 &&
            OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, bn_e) == 1;
  auto key = ok ? FromParams("RSA", bld) : Invalid("bad RSA key");
  if (!ok) OSSL_PARAM_BLD_free(bld);
  BN_free(bn_n);
  BN_free(bn_e);
  return key;
}

absl::StatusOr<std::shared_ptr<EVP_PKEY>> EcKey(const nlohmann::json& jwk) {
  if (!jwk.contains("crv") || jwk["crv"] != "P-256") return Invalid("EC keys must be on P-256");
  ASSIGN_OR_RETURN(std::string x, Member(jwk, "x"));
  ASSIGN_OR_RETURN(std::string y, Member(jwk, "y"));
  if (x.size() != 32 || y.size() != 32) return Invalid("bad P-256 point");
  std::string point = "\x04" + x + y;
  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  bool ok =
      bld &&
      OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) == 1 &&
      OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()) ==
          1;
  if (!ok) {
    OSSL_PARAM_BLD_free(bld);
    return Invalid("bad EC key");
  }
  return FromParams("EC", bld);  // EVP_PKEY_fromdata checks the point is on the curve
}

absl::StatusOr<std::shared_ptr<EVP_PKEY>> OkpKey(const nlohmann::json& jwk) {
  if (!jwk.contains("crv") || jwk["crv"] != "Ed25519") return Invalid("OKP keys must be Ed25519");
  ASSIGN_OR_RETURN(std::string x, Member(jwk, "x"));
  if (x.size() != 32) return Invalid("bad Ed25519 key");
  EVP_PKEY* pkey = EVP_PKEY_new_raw_public_key(
      EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(x.data()), x.size());
  if (pkey == nullptr) return Invalid("bad Ed25519 key");
  return Own(pkey);
}

// JWS ES256 signatures are r||s (32 bytes each); OpenSSL wants DER.
absl::StatusOr<std::string> EcdsaRawToDer(std::string_view raw) {
  if (raw.size() != 64) return absl::UnauthenticatedError("jwt.bad_signature");
  ECDSA_SIG* sig = ECDSA_SIG_new();
  BIGNUM* r = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()), 32, nullptr);
  BIGNUM* s = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()) + 32, 32, nullptr);
  if (sig == nullptr || r == nullptr || s == nullptr || ECDSA_SIG_set0(sig, r, s) != 1) {
    BN_free(r);
    BN_free(s);
    ECDSA_SIG_free(sig);
    return absl::InternalError("ECDSA_SIG");
  }
  unsigned char* der = nullptr;
  int len = i2d_ECDSA_SIG(sig, &der);
  ECDSA_SIG_free(sig);
  if (len <= 0) return absl::InternalError("i2d_ECDSA_SIG");
  std::string out(reinterpret_cast<char*>(der), static_cast<size_t>(len));
  OPENSSL_free(der);
  return out;
}

}  // namespace

absl::StatusOr<std::vector<PublicKey>> ParseJwks(std::string_view text) {
  auto doc = ParseStrictJsonObject(text);
  if (!doc.ok()) return Invalid("the JWKS is not one JSON object");
  auto keys = doc->find("keys");
  if (keys == doc->end() || !keys->is_array()) return Invalid("the JWKS has no \"keys\" array");
  std::vector<PublicKey> out;
  for (const nlohmann::json& jwk : *keys) {
    if (!jwk.is_object() || !jwk.contains("kty") || !jwk["kty"].is_string()) {
      return Invalid("a JWKS key has no kty");
    }
    if (jwk.contains("use") && jwk["use"] != "sig") continue;  // encryption keys: not ours
    std::string kty = jwk["kty"].get<std::string>();
    absl::StatusOr<std::shared_ptr<EVP_PKEY>> pkey =
        kty == "RSA"   ? RsaKey(jwk)
        : kty == "EC"  ? EcKey(jwk)
        : kty == "OKP" ? OkpKey(jwk)
                       : Invalid("unsupported kty (RSA, EC, OKP)");
    if (!pkey.ok()) return pkey.status();
    PublicKey key;
    ASSIGN_OR_RETURN(key.alg, AlgOf(pkey->get()));
    if (jwk.contains("alg") && jwk["alg"] != key.alg) {
      return Invalid("a JWKS key's alg does not match its type");
    }
    if (jwk.contains("kid")) {
      if (!jwk["kid"].is_string()) return Invalid("a JWKS kid is not a string");
      key.kid = jwk["kid"].get<std::string>();
    }
    key.pkey = std::move(*pkey);
    out.push_back(std::move(key));
  }
  return out;
}

absl::StatusOr<PublicKey> ParsePemPublicKey(std::string_view pem, std::string kid) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  if (bio == nullptr) return absl::InternalError("BIO_new_mem_buf");
  EVP_PKEY* pkey = PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (pkey == nullptr) return Invalid("not a PEM public key");
  PublicKey key;
  key.pkey = Own(pkey);
  key.kid = std::move(kid);
  ASSIGN_OR_RETURN(key.alg, AlgOf(pkey));
  return key;
}

absl::StatusOr<PublicKey> Ed25519PublicKey(std::string_view raw, std::string kid) {
  EVP_PKEY* pkey = EVP_PKEY_new_raw_public_key(
      EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(raw.data()), raw.size());
  if (pkey == nullptr) return Invalid("bad Ed25519 key");
  return PublicKey{std::move(kid), "EdDSA", Own(pkey)};
}

const PublicKey* FindKey(const std::vector<PublicKey>& keys, std::string_view kid,
                         std::string_view alg) {
  if (!kid.empty()) {
    for (const PublicKey& k : keys) {
      if (k.kid == kid) return &k;
    }
    return nullptr;
  }
  const PublicKey* found = nullptr;
  for (const PublicKey& k : keys) {
    if (k.alg != alg) continue;
    if (found != nullptr) return nullptr;  // ambiguous without a kid
    found = &k;
  }
  return found;
}

absl::Status VerifySignature(const PublicKey& key, std::string_view alg,
                             std::string_view signing_input, std::string_view signature) {
  if (key.alg != alg || key.pkey == nullptr) return absl::UnauthenticatedError("jwt.alg_mismatch");
  std::string der;
  const EVP_MD* md = nullptr;
  if (alg == "ES256") {
    ASSIGN_OR_RETURN(der, EcdsaRawToDer(signature));
    signature = der;
    md = EVP_sha256();
  } else if (alg == "RS256") {
    md = EVP_sha256();
  } else if (alg == "EdDSA") {
    if (signature.size() != 64) return absl::UnauthenticatedError("jwt.bad_signature");
  } else {
    return absl::UnauthenticatedError("jwt.alg_not_allowed");
  }
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  if (ctx == nullptr) return absl::InternalError("EVP_MD_CTX_new");
  bool ok = EVP_DigestVerifyInit(ctx, nullptr, md, nullptr, key.pkey.get()) == 1 &&
            EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(signature.data()),
                             signature.size(),
                             reinterpret_cast<const unsigned char*>(signing_input.data()),
                             signing_input.size()) == 1;
  EVP_MD_CTX_free(ctx);
  if (!ok) return absl::UnauthenticatedError("jwt.bad_signature");
  return absl::OkStatus();
}

}  // namespace bulwark::auth
