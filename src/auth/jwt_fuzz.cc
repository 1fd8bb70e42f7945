// libFuzzer target: ParseJwt and the claim checks on arbitrary bytes, then signature
// verification against fixed keys. Nothing may crash, leak, or cost more than its size.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "auth/jwk.h"
#include "auth/jwt.h"

namespace {

const std::vector<bulwark::auth::PublicKey>& Keys() {
  // Built once (Ed25519 from fixed bytes, an EC key from a fixed JWK).
  static const auto* keys = [] {
    auto* out = new std::vector<bulwark::auth::PublicKey>();
    auto ed = bulwark::auth::Ed25519PublicKey(std::string(32, '\x11'), "ed");
    if (ed.ok()) out->push_back(*ed);
    auto jwks = bulwark::auth::ParseJwks(R"({"keys":[{"kty":"EC","crv":"P-256","kid":"ec",)"
                                         R"("x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",)"
                                         R"("y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}]})");
    if (jwks.ok()) out->insert(out->end(), jwks->begin(), jwks->end());
    return out;
  }();
  return *keys;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view token(reinterpret_cast<const char*>(data), size);
  (void)bulwark::auth::LooksLikeJwt(token);
  auto jwt = bulwark::auth::ParseJwt(token);
  if (!jwt.ok()) return 0;
  (void)bulwark::auth::CheckClaims(*jwt, {"issuer", "aud", 1700000000, 1});
  (void)bulwark::auth::ClaimStrings(jwt->claims, "scope");
  const bulwark::auth::PublicKey* key = bulwark::auth::FindKey(Keys(), jwt->kid, jwt->alg);
  if (key != nullptr) {
    (void)bulwark::auth::VerifySignature(*key, jwt->alg, jwt->signing_input, jwt->signature);
  }
  return 0;
}
