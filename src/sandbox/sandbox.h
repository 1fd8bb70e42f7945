// File: sandbox.h
// `bulwark sandbox`: offline fakes of the vendors bulwark fronts (HeyGen under /heygen,
// Writesonic under /writesonic, an OpenAI-compatible API under /openai), so integrations
// can be built and tested without network access or spending credits (CONTRACT.md
// section 6). The fakes check the vendor's auth header, answer in the vendor's envelopes
// and error shapes, rate-limit with 429, and move HeyGen videos through
// pending -> processing -> completed.
//
// Example:
//   bulwark::sandbox::SandboxOptions options;
//   options.listen = "127.0.0.1:0";
//   return bulwark::sandbox::RunSandbox(options);
#pragma once

#include <chrono>
#include <string>

namespace bulwark::sandbox {

struct SandboxOptions {
  std::string listen = "127.0.0.1:8090";       // host:port; port 0 = pick a free one
  std::string heygen_key = "sandbox";          // vendor key the HeyGen fake accepts
  std::string writesonic_key = "sandbox";      // vendor key the Writesonic fake accepts
  std::string openai_key = "sandbox";          // vendor key the OpenAI-compatible fake accepts
  double max_rps = 50;                         // per vendor; above it: 429 with Retry-After
  std::chrono::milliseconds video_time{6000};  // pending -> processing -> completed within this
};

// Runs the simulators until SIGINT/SIGTERM. Prints one line to stderr when listening:
// "sandbox listening on http://HOST:PORT" (the real port). Returns the process exit code
// (0 ok, 2 bad options e.g. unparsable listen, 1 when the address cannot be bound).
// Never throws.
int RunSandbox(const SandboxOptions& options);

}  // namespace bulwark::sandbox
