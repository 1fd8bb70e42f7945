// File: sandbox.cc
#include "sandbox/sandbox.h"

#include <csignal>
#include <cstdio>
#include <exception>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <fmt/format.h>

#include "sandbox/sandbox_server.h"

namespace bulwark::sandbox {

int RunSandbox(const SandboxOptions& options) {
  try {
    // The signal handlers go in before the "listening" line, so a script that sends
    // SIGTERM as soon as it reads that line always gets a clean exit.
    boost::asio::io_context signals_io;
    boost::asio::signal_set signals(signals_io, SIGINT, SIGTERM);
    signals.async_wait([](const boost::system::error_code&, int) {});

    SandboxServer server(options);
    absl::Status started = server.Start();
    if (!started.ok()) {
      fmt::print(stderr, "bulwark sandbox: {}\n", std::string(started.message()));
      return absl::IsInvalidArgument(started) ? 2 : 1;
    }
    fmt::print(stderr, "sandbox listening on {}\n", server.url());
    std::fflush(stderr);
    signals_io.run();
    server.Stop();
    return 0;
  } catch (const std::exception& e) {
    fmt::print(stderr, "bulwark sandbox: {}\n", e.what());
    return 1;
  }
}

}  // namespace bulwark::sandbox
