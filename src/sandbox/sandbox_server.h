// File: sandbox_server.h
// A small HTTP/1.1 server (Boost.Beast, keep-alive, two I/O threads) around SandboxApp.
// The sandbox is a fake vendor for local testing, not a hostile-facing listener, so the
// server is plain but bounded: 10 MiB bodies, 64 KiB headers, 60 s idle and I/O
// time-outs, at most 1024 open connections.
//
//   SandboxServer server(options);           // options.listen = "127.0.0.1:0"
//   if (server.Start().ok()) { ... server.port() ...; server.Stop(); }
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "sandbox/sandbox.h"

namespace bulwark::sandbox {

class SandboxApp;

struct ListenAddress {
  std::string host;  // without brackets for IPv6
  uint16_t port = 0;
};

// Parses "host:port", "[v6]:port" or ":port" (all interfaces). InvalidArgument otherwise.
absl::StatusOr<ListenAddress> ParseListen(const std::string& listen);

class SandboxServer {
 public:
  explicit SandboxServer(SandboxOptions options);
  ~SandboxServer();  // Stops.
  SandboxServer(const SandboxServer&) = delete;
  SandboxServer& operator=(const SandboxServer&) = delete;

  // Binds and starts serving. InvalidArgument for bad options (unparsable listen,
  // max_rps <= 0, negative video_time, empty keys); Unavailable when the address cannot be
  // bound. REQUIRES: called at most once.
  absl::Status Start();
  // The bound port (the real one when listen asked for port 0). REQUIRES: Start() ok.
  uint16_t port() const;
  // "http://HOST:PORT" with IPv6 hosts bracketed. REQUIRES: Start() ok.
  std::string url() const;
  // Closes the listener and every connection, and joins the threads. Idempotent.
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace bulwark::sandbox
