// `bulwark auth signing-keys` and `bulwark auth rotate-signing-key`: bulwark's own
// token-signing keys (OAuth2, issue 3). Rotation makes a fresh key active at once; the old
// public key stays in /.well-known/jwks.json and keeps verifying its tokens until
// not_after = now + [auth] token_ttl + [auth] leeway, when its last token has expired.
// Private keys are never printed.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "auth/jwt.h"
#include "auth/signing_keys.h"
#include "cli/common.h"
#include "service/keys.h"

namespace bulwark::cli {
namespace {

nlohmann::json KeyJson(const SigningKeyRecord& k) {
  return {{"kid", k.kid},
          {"alg", k.alg},
          {"public_key", auth::Base64UrlEncode(k.public_key)},
          {"created_at", k.created_at},
          {"active", k.retired_at == 0},
          {"retired_at", k.retired_at},
          {"not_after", k.not_after}};
}

int RunList(const GlobalOptions& global) {
  return WithEnvironment(global, [](Environment& env) {
    auto keys = env.store->ListSigningKeys();
    if (!keys.ok()) return Fail(keys.status());
    nlohmann::json out = nlohmann::json::array();
    for (const SigningKeyRecord& k : *keys) out.push_back(KeyJson(k));
    PrintJson(out);
    return kExitOk;
  });
}

int RunRotate(const GlobalOptions& global) {
  return WithEnvironment(global, [](Environment& env) {
    const int64_t now = service::Now();
    const int64_t not_after = now + static_cast<int64_t>(env.config.token_ttl.count()) +
                              static_cast<int64_t>(env.config.leeway.count());
    auto previous = env.store->ListSigningKeys();
    if (!previous.ok()) return Fail(previous.status());
    std::string old_kid;
    for (const SigningKeyRecord& k : *previous) {
      if (k.retired_at == 0) old_kid = k.kid;
    }
    auto kid = auth::RotateSigningKey(*env.store, *env.master, now, not_after);
    if (!kid.ok()) return Fail(kid.status());
    return FinishChange(
        env, "signing_key", "auth.rotate_signing_key", *kid,
        {{"kid", *kid},
         {"previous_kid", old_kid.empty() ? nlohmann::json() : nlohmann::json(old_kid)},
         {"previous_not_after", not_after}});
  });
}

}  // namespace

void AddAuthCommands(CLI::App& app, GlobalOptions& global, int& exit_code) {
  auto* auth = app.add_subcommand("auth", "OAuth2 token-signing keys");
  auth->require_subcommand(1);
  auto* list = auth->add_subcommand("signing-keys", "List token-signing keys (public parts)");
  list->callback([&global, &exit_code] { exit_code = RunList(global); });
  auto* rotate = auth->add_subcommand(
      "rotate-signing-key",
      "Sign new tokens with a fresh key; the old one stays published until its tokens expire");
  rotate->callback([&global, &exit_code] { exit_code = RunRotate(global); });
}

}  // namespace bulwark::cli
