#include "auth/issuers.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "auth/scopes.h"
#include "base/status_macros.h"

namespace bulwark::auth {
namespace {

absl::StatusOr<std::string> ReadSmallFile(const std::filesystem::path& path) {
  std::error_code ec;
  auto size = std::filesystem::file_size(path, ec);
  if (ec)
    return absl::NotFoundError(fmt::format("cannot read {}: {}", path.string(), ec.message()));
  if (size > (1 << 20))
    return absl::InvalidArgumentError(fmt::format("{} is over 1 MiB", path.string()));
  std::ifstream in(path, std::ios::binary);
  std::stringstream buf;
  buf << in.rdbuf();
  if (!in.good() && !in.eof())
    return absl::UnavailableError(fmt::format("cannot read {}", path.string()));
  return buf.str();
}

absl::Status Refuse(std::string_view why) { return absl::UnauthenticatedError(std::string(why)); }

}  // namespace

absl::StatusOr<std::unique_ptr<ExternalIssuers>> ExternalIssuers::Create(const Config& config) {
  auto out = std::unique_ptr<ExternalIssuers>(new ExternalIssuers());
  for (const JwtIssuerConfig& c : config.jwt_issuers) {
    Issuer issuer{&c, {}};
    auto fail = [&c](const absl::Status& st) {
      return absl::InvalidArgumentError(
          fmt::format("auth.jwt.{}: {}", c.name, std::string(st.message())));
    };
    if (!c.jwks_file.empty()) {
      auto text = ReadSmallFile(c.jwks_file);
      if (!text.ok()) return fail(text.status());
      auto keys = ParseJwks(*text);
      if (!keys.ok()) return fail(keys.status());
      issuer.keys = std::move(*keys);
    }
    for (const auto& path : c.public_keys) {
      auto text = ReadSmallFile(path);
      if (!text.ok()) return fail(text.status());
      auto key = ParsePemPublicKey(*text, path.stem().string());
      if (!key.ok())
        return fail(absl::InvalidArgumentError(
            fmt::format("{}: {}", path.string(), std::string(key.status().message()))));
      issuer.keys.push_back(std::move(*key));
    }
    // Keys whose algorithm is not allowed can never be used; say so instead of
    // silently keeping them.
    std::vector<PublicKey> usable;
    for (PublicKey& k : issuer.keys) {
      if (std::find(c.algorithms.begin(), c.algorithms.end(), k.alg) != c.algorithms.end()) {
        usable.push_back(std::move(k));
      }
    }
    if (usable.empty()) {
      return fail(absl::InvalidArgumentError("no key of an allowed algorithm"));
    }
    issuer.keys = std::move(usable);
    out->issuers_.push_back(std::move(issuer));
  }
  return out;
}

const ExternalIssuers::Issuer* ExternalIssuers::Find(const Jwt& jwt) const {
  auto iss = jwt.claims.find("iss");
  if (iss == jwt.claims.end() || !iss->is_string()) return nullptr;
  for (const Issuer& i : issuers_) {
    if (i.config->issuer == iss->get_ref<const std::string&>()) return &i;
  }
  return nullptr;
}

absl::StatusOr<ExternalIdentity> ExternalIssuers::Verify(const Jwt& jwt, int64_t now,
                                                         int64_t leeway) const {
  const Issuer* issuer = Find(jwt);
  if (issuer == nullptr) return Refuse("jwt.unknown_issuer");
  const JwtIssuerConfig& c = *issuer->config;
  if (std::find(c.algorithms.begin(), c.algorithms.end(), jwt.alg) == c.algorithms.end()) {
    return Refuse("jwt.alg_not_allowed");
  }
  const PublicKey* key = FindKey(issuer->keys, jwt.kid, jwt.alg);
  if (key == nullptr) return Refuse("jwt.unknown_kid");
  RETURN_IF_ERROR(VerifySignature(*key, jwt.alg, jwt.signing_input, jwt.signature));
  RETURN_IF_ERROR(CheckClaims(jwt, {c.issuer, c.audience, now, leeway}));

  ExternalIdentity id;
  id.issuer = &c;
  id.key_id = fmt::format("jwt:{}:{}", c.name, jwt.claims["sub"].get<std::string>());
  id.expires_at = static_cast<int64_t>(jwt.claims["exp"].get<double>());
  id.tenant = c.tenant;
  if (!c.tenant_claim.empty()) {
    auto t = jwt.claims.find(c.tenant_claim);
    if (t == jwt.claims.end() || !t->is_string() || t->get<std::string>().empty() ||
        t->get<std::string>().size() > 128) {
      return Refuse("jwt.no_tenant");
    }
    id.tenant = t->get<std::string>();
  }
  std::vector<std::string> claimed = ClaimStrings(jwt.claims, c.scopes_claim);
  if (!c.claim_scopes.empty()) {
    std::vector<std::string> mapped;
    for (const std::string& value : claimed) {
      for (const auto& [from, to] : c.claim_scopes) {
        if (from == value) mapped.insert(mapped.end(), to.begin(), to.end());
      }
    }
    claimed = std::move(mapped);
  }
  id.scopes = IntersectScopes(claimed, c.allowed_scopes);
  return id;
}

}  // namespace bulwark::auth
