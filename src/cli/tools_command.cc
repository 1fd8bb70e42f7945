// `bulwark sandbox`, `bulwark scan`, `bulwark redact`: thin wrappers over their libraries.
#include <iostream>

#include <CLI/CLI.hpp>

#include "cli/common.h"
#include "privacy/cli.h"
#include "sandbox/sandbox.h"

namespace bulwark::cli {

void AddToolCommands(CLI::App& app, GlobalOptions&, int& exit_code) {
  auto opts = std::make_shared<sandbox::SandboxOptions>();
  auto video_seconds = std::make_shared<double>(6.0);
  auto* sb = app.add_subcommand("sandbox", "Run offline simulators of the vendor APIs");
  sb->fallthrough();
  sb->add_option("--listen", opts->listen, "host:port (default 127.0.0.1:8090)");
  sb->add_option("--heygen-key", opts->heygen_key, "Vendor key the HeyGen fake accepts");
  sb->add_option("--writesonic-key", opts->writesonic_key,
                 "Vendor key the Writesonic fake accepts");
  sb->add_option("--openai-key", opts->openai_key, "Vendor key the OpenAI fake accepts");
  sb->add_option("--max-rps", opts->max_rps, "Requests per second per vendor before 429");
  sb->add_option("--video-seconds", *video_seconds, "Seconds for a video to complete (default 6)")
      ->check(CLI::Range(0.0, 3600.0));
  sb->callback([&exit_code, opts, video_seconds] {
    opts->video_time = std::chrono::milliseconds(static_cast<int64_t>(*video_seconds * 1000));
    exit_code = sandbox::RunSandbox(*opts);
  });

  auto* scan = app.add_subcommand("scan", "Print PII findings in stdin as JSON lines");
  scan->fallthrough();
  scan->callback(
      [&exit_code] { exit_code = privacy::RunScanCommand(std::cin, std::cout, std::cerr); });

  auto* redact =
      app.add_subcommand("redact", "Write stdin with PII replaced per the default policy");
  redact->fallthrough();
  redact->callback(
      [&exit_code] { exit_code = privacy::RunRedactCommand(std::cin, std::cout, std::cerr); });
}

}  // namespace bulwark::cli
