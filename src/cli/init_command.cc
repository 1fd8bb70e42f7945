// `bulwark init`: a starter config, a master key (0600) and the data folder, plus an admin
// token printed once. With --sandbox the providers point at `bulwark sandbox` and hold its
// keys, so the whole flow works offline.
#include <fstream>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "auth/signing_keys.h"
#include "cli/common.h"
#include "crypto/keys.h"
#include "service/keys.h"

namespace bulwark::cli {
namespace {

std::string StarterConfig(const std::string& sandbox) {
  auto base = [&](std::string_view vendor, std::string_view real) {
    return sandbox.empty() ? std::string(real) : fmt::format("{}/{}", sandbox, vendor);
  };
  return fmt::format(R"(# bulwark configuration. Every key is documented in docs/config.md.
# Relative paths are relative to this file's folder.

[server]
listen = "127.0.0.1:8080"          # data plane
admin_listen = "127.0.0.1:8081"    # admin API and /metrics
trusted_proxies = []               # CIDRs whose X-Forwarded-For is believed
max_body = "1MiB"

[store]
url = "sqlite://var/bulwark.db"

[ratelimit]
url = "memory://"

[secrets]
master_key_file = "var/master.key"

[audit]
fail_closed = true

[providers.heygen]
base_url = "{}"
secret = "heygen"                  # set with: bulwark secrets set heygen
pii = "redact"

[providers.writesonic]
base_url = "{}"
secret = "writesonic"
pii = "redact"

[providers.openai]
base_url = "{}"
secret = "openai"
pii = "redact"
)",
                     base("heygen", "https://api.heygen.com"),
                     base("writesonic", "https://api.writesonic.com"),
                     base("openai", "https://api.openai.com"));
}

int RunInit(const std::string& dir_arg, const std::string& sandbox) {
  namespace fs = std::filesystem;
  fs::path dir = dir_arg.empty() ? fs::path(".") : fs::path(dir_arg);
  fs::path config = dir / "bulwark.toml";
  std::error_code ec;
  if (fs::exists(config, ec)) {
    return Fail(kExitUsage,
                fmt::format("{} already exists; refusing to overwrite it", config.string()));
  }
  fs::create_directories(dir / "var", ec);
  if (ec)
    return Fail(kExitFailedCheck,
                fmt::format("cannot create {}: {}", (dir / "var").string(), ec.message()));
  fs::permissions(dir / "var", fs::perms::owner_all, fs::perm_options::replace, ec);
  fs::path key_file = dir / "var" / "master.key";
  if (!fs::exists(key_file, ec)) {
    if (auto st = CreateMasterKeyFile(key_file); !st.ok()) return Fail(st);
  }
  {
    std::ofstream out(config, std::ios::out | std::ios::trunc);
    out << StarterConfig(sandbox);
    if (!out.good()) return Fail(kExitFailedCheck, fmt::format("cannot write {}", config.string()));
  }
  GlobalOptions global;
  global.config_path = config.string();
  Environment env;
  if (auto st = LoadEnvironment(global, &env); !st.ok()) return Fail(st);
  if (!sandbox.empty()) {
    for (const char* name : {"heygen", "writesonic", "openai"}) {
      auto st = service::SetSecret(*env.store, *env.master, name, Secret(std::string("sandbox")));
      if (!st.ok()) return Fail(st);
    }
  }
  if (auto st = auth::EnsureSigningKey(*env.store, *env.master); !st.ok()) return Fail(st);
  auto token = service::CreateAdminToken(*env.store, *env.master, "admin", "init");
  if (!token.ok()) return Fail(token.status());
  PrintJson({{"admin_token", (*token)["token"]}, {"config", config.string()}});
  std::cerr << "bulwark: wrote " << config.string() << " and " << key_file.string()
            << " (keep it secret; mode 0600). The admin token above is shown only once.\n";
  if (sandbox.empty()) {
    std::cerr << "Next: store vendor keys, e.g. `printf %s \"$HEYGEN_KEY\" | bulwark --config "
              << config.string() << " secrets set heygen`\n";
  }
  return kExitOk;
}

}  // namespace

void AddInitCommand(CLI::App& app, GlobalOptions&, int& exit_code) {
  auto* cmd = app.add_subcommand("init", "Write a starter bulwark.toml, a master key and var/");
  auto dir = std::make_shared<std::string>();
  auto sandbox = std::make_shared<std::string>();
  cmd->add_option("--dir", *dir, "Folder to initialise (default: current folder)");
  cmd->add_option("--sandbox", *sandbox,
                  "Point providers at a `bulwark sandbox` URL, e.g. http://127.0.0.1:8090, and "
                  "store its keys");
  cmd->callback([&exit_code, dir, sandbox] { exit_code = RunInit(*dir, *sandbox); });
}

}  // namespace bulwark::cli
