// `bulwark keys ...` and `bulwark admin tokens ...`. A key's secret is printed once, by
// `keys create`; listings never show it (only its keyed hash is stored).
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/common.h"
#include "service/keys.h"
#include "service/usage.h"

namespace bulwark::cli {
namespace {

int RunCreate(const GlobalOptions& global, const service::NewKey& spec) {
  if (spec.scopes.empty()) {
    return Fail(kExitUsage, "at least one --scope is required, e.g. --scope heygen:*");
  }
  Environment env;
  if (auto st = LoadEnvironment(global, &env); !st.ok()) return Fail(st);
  auto issued = service::CreateKey(*env.store, *env.master, spec);
  if (!issued.ok()) return Fail(issued.status());
  return FinishChange(env, "key", "keys.create", issued->id,
                      {{"id", issued->id}, {"key", issued->key}});
}

int RunList(const GlobalOptions& global) {
  Environment env;
  if (auto st = LoadEnvironment(global, &env); !st.ok()) return Fail(st);
  auto keys = env.store->ListKeys();
  if (!keys.ok()) return Fail(keys.status());
  nlohmann::json out = nlohmann::json::array();
  for (const KeyRecord& k : *keys) out.push_back(service::KeyJson(k));
  PrintJson(out);
  return kExitOk;
}

int RunShow(const GlobalOptions& global, const std::string& id) {
  Environment env;
  if (auto st = LoadEnvironment(global, &env); !st.ok()) return Fail(st);
  auto key = env.store->GetKey(id);
  if (!key.ok()) return Fail(key.status());
  if (!key->has_value()) return Fail(kExitUsage, fmt::format("no key with id '{}'", id));
  nlohmann::json out = service::KeyJson(**key);
  // Usage in the current UTC day and month (issue 4), as flushed by running gateways.
  auto usage = service::UsageOf(*env.store, "key", id, std::chrono::system_clock::now());
  if (!usage.ok()) return Fail(usage.status());
  out["usage"] = std::move(*usage);
  PrintJson(out);
  return kExitOk;
}

int RunRevoke(const GlobalOptions& global, const std::string& id) {
  Environment env;
  if (auto st = LoadEnvironment(global, &env); !st.ok()) return Fail(st);
  auto st = env.store->RevokeKey(id, service::Now());
  if (st.code() == absl::StatusCode::kNotFound) {
    return Fail(kExitUsage, fmt::format("no key with id '{}'", id));
  }
  if (!st.ok()) return Fail(st);
  return FinishChange(env, "key", "keys.revoke", id, {{"id", id}, {"status", "revoked"}});
}

int RunRotate(const GlobalOptions& global, const std::string& id, const std::string& grace) {
  Environment env;
  if (auto st = LoadEnvironment(global, &env); !st.ok()) return Fail(st);
  auto issued = service::RotateKey(*env.store, *env.master, id, grace);
  if (!issued.ok()) return Fail(issued.status());
  return FinishChange(env, "key", "keys.rotate", issued->id,
                      {{"id", issued->id}, {"key", issued->key}});
}

}  // namespace

void AddKeysCommands(CLI::App& app, GlobalOptions& global, int& exit_code) {
  auto* keys = app.add_subcommand("keys", "Client keys: create, list, show, revoke, rotate");
  keys->require_subcommand(1);
  keys->fallthrough();

  auto args = std::make_shared<service::NewKey>();
  auto* create = keys->add_subcommand("create", "Issue a client key (printed once)");
  create->fallthrough();
  create->add_option("--name", args->name, "Human-readable name")->required();
  create->add_option("--scope", args->scopes,
                     "Allowed calls: provider:operation, provider:* or * (repeatable)");
  create->add_option("--allow-ip", args->allow_ips, "Allowed client CIDR (repeatable)");
  create->add_option("--rate", args->rates,
                     "Rate limit N/s, N/m, N/h or N/d, or OPERATION=N/PERIOD for one "
                     "operation, e.g. video.generate=5/m (repeatable)");
  create->add_option("--quota", args->quotas,
                     "Quota N/d or N/mo (requests), or UNIT:N/d, UNIT:N/mo with UNIT "
                     "video_seconds or credits (HeyGen credits, up to two decimals: "
                     "credits:12.5/mo) (repeatable)");
  create->add_option("--expires-in", args->expires_in, "Lifetime, e.g. 30d");
  create->add_option("--tenant", args->tenant, "Tenant owning the key (default: default)");
  create->callback([&global, &exit_code, args] { exit_code = RunCreate(global, *args); });

  auto* list = keys->add_subcommand("list", "List keys as a JSON array (never their secrets)");
  list->fallthrough();
  list->callback([&global, &exit_code] { exit_code = RunList(global); });

  auto show_id = std::make_shared<std::string>();
  auto* show = keys->add_subcommand("show", "Show one key as JSON");
  show->fallthrough();
  show->add_option("ID", *show_id, "Key id")->required();
  show->callback([&global, &exit_code, show_id] { exit_code = RunShow(global, *show_id); });

  auto revoke_id = std::make_shared<std::string>();
  auto* revoke =
      keys->add_subcommand("revoke", "Revoke a key (every gateway refuses it within 1 s)");
  revoke->fallthrough();
  revoke->add_option("ID", *revoke_id, "Key id")->required();
  revoke->callback([&global, &exit_code, revoke_id] { exit_code = RunRevoke(global, *revoke_id); });

  auto rotate_id = std::make_shared<std::string>();
  auto grace = std::make_shared<std::string>("24h");
  auto* rotate = keys->add_subcommand(
      "rotate", "Issue a new secret for a key; the old one works until the grace ends");
  rotate->fallthrough();
  rotate->add_option("ID", *rotate_id, "Key id")->required();
  rotate->add_option("--grace", *grace,
                     "How long the old secret keeps working (default 24h; 0s ends it now)");
  rotate->callback([&global, &exit_code, rotate_id, grace] {
    exit_code = RunRotate(global, *rotate_id, *grace);
  });
}

void AddAdminCommands(CLI::App& app, GlobalOptions& global, int& exit_code) {
  auto* admin = app.add_subcommand("admin", "Admin tokens for the admin listener");
  admin->require_subcommand(1);
  admin->fallthrough();
  auto* tokens = admin->add_subcommand("tokens", "Create, list or revoke admin tokens");
  tokens->require_subcommand(1);
  tokens->fallthrough();

  auto role = std::make_shared<std::string>();
  auto name = std::make_shared<std::string>();
  auto* create = tokens->add_subcommand("create", "Create an admin token (printed once)");
  create->fallthrough();
  create->add_option("--role", *role, "admin, auditor or privacy")
      ->required()
      ->check(CLI::IsMember({"admin", "auditor", "privacy"}));
  create->add_option("--name", *name, "Human-readable name");
  create->callback([&global, &exit_code, role, name] {
    exit_code = WithEnvironment(global, [role, name](Environment& env) {
      auto token = service::CreateAdminToken(*env.store, *env.master, *role, *name);
      if (!token.ok()) {
        return Fail(token.status());
      }
      return FinishChange(env, "admin", "admin.tokens.create", (*token)["id"], *token);
    });
  });

  auto* list = tokens->add_subcommand("list", "List admin tokens (never their secrets)");
  list->fallthrough();
  list->callback([&global, &exit_code] {
    exit_code = WithEnvironment(global, [](Environment& env) {
      auto all = env.store->ListAdminTokens();
      if (!all.ok()) {
        return Fail(all.status());
      }
      nlohmann::json out = nlohmann::json::array();
      for (const AdminTokenRecord& t : *all) {
        out.push_back(
            {{"id", t.id},
             {"name", t.name},
             {"role", t.role},
             {"created_at", service::FormatTime(t.created_at)},
             {"revoked_at",
              t.revoked_at ? nlohmann::json(service::FormatTime(t.revoked_at)) : nullptr}});
      }
      PrintJson(out);
      return kExitOk;
    });
  });

  auto id = std::make_shared<std::string>();
  auto* revoke = tokens->add_subcommand("revoke", "Revoke an admin token");
  revoke->fallthrough();
  revoke->add_option("ID", *id, "Admin token id")->required();
  revoke->callback([&global, &exit_code, id] {
    exit_code = WithEnvironment(global, [id](Environment& env) {
      if (auto st = env.store->RevokeAdminToken(*id, service::Now()); !st.ok()) {
        return Fail(st);
      }
      return FinishChange(env, "admin", "admin.tokens.revoke", *id,
                          {{"id", *id}, {"status", "revoked"}});
    });
  });
}

}  // namespace bulwark::cli
