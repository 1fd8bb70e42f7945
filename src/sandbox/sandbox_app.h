// File: sandbox_app.h
// The sandbox without its transport: one call per HTTP request, answering exactly what
// the server will send. Tests drive it directly and choose the clock reading.
//
//   SandboxApp app(options);
//   HttpResponse r = app.Handle({"GET", "/heygen/v2/avatars", {{"X-Api-Key", "sandbox"}}, ""},
//                               Clock::now());
//
// Order of checks, for each vendor prefix: vendor key (401) -> per-vendor rate (429 with
// Retry-After: 1) -> route (404 in the vendor's shape when unknown). Every answer carries
// X-Request-Id and a Content-Type. Thread-safe.
#pragma once

#include <memory>
#include <string_view>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "sandbox/sandbox.h"
#include "sandbox/vendor_fake.h"

namespace bulwark::sandbox {

class SandboxApp {
 public:
  explicit SandboxApp(const SandboxOptions& options);
  ~SandboxApp();
  SandboxApp(const SandboxApp&) = delete;
  SandboxApp& operator=(const SandboxApp&) = delete;

  // Never throws: a failing handler becomes the vendor's 500.
  HttpResponse Handle(const HttpRequest& request, Clock::time_point now);

 private:
  // One vendor under its path prefix, with its own token bucket (burst max_rps, refilled
  // at max_rps per second), so load on one fake never throttles another.
  struct Mount {
    std::string_view prefix;
    std::unique_ptr<VendorFake> fake;
    double tokens ABSL_GUARDED_BY(mu);
    Clock::time_point refilled ABSL_GUARDED_BY(mu);
    absl::Mutex mu;
  };

  bool TakeToken(Mount& mount, Clock::time_point now);
  HttpResponse Dispatch(const HttpRequest& request, Clock::time_point now);

  const double max_rps_;
  std::unique_ptr<Mount> mounts_[3];
};

}  // namespace bulwark::sandbox
