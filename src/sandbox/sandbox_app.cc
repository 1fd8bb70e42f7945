// File: sandbox_app.cc
#include "sandbox/sandbox_app.h"

#include <algorithm>
#include <exception>
#include <utility>

#include "base/random.h"
#include "sandbox/heygen_fake.h"
#include "sandbox/openai_fake.h"
#include "sandbox/writesonic_fake.h"

namespace bulwark::sandbox {
namespace {

// Answers outside every vendor prefix; no vendor's shape applies, so a plain one is used.
HttpResponse NoVendor(std::string_view path) {
  if (path == "/healthz") {
    return JsonResponse(200, {{"status", "ok"}});
  }
  return JsonResponse(
      404, {{"error",
             {{"code", "not_found"},
              {"message", "No sandbox vendor here; use /heygen, /writesonic or /openai."}}}});
}

}  // namespace

SandboxApp::SandboxApp(const SandboxOptions& options) : max_rps_(options.max_rps) {
  auto mount = [&](std::string_view prefix, std::unique_ptr<VendorFake> fake) {
    auto m = std::make_unique<Mount>();
    m->prefix = prefix;
    m->fake = std::move(fake);
    absl::MutexLock lock(&m->mu);
    m->tokens = max_rps_;
    m->refilled = Clock::time_point::min();
    return m;
  };
  mounts_[0] =
      mount("/heygen", std::make_unique<HeyGenFake>(options.heygen_key, options.video_time));
  mounts_[1] = mount("/writesonic", std::make_unique<WritesonicFake>(options.writesonic_key));
  mounts_[2] = mount("/openai", std::make_unique<OpenAiFake>(options.openai_key));
}

SandboxApp::~SandboxApp() = default;

bool SandboxApp::TakeToken(Mount& mount, Clock::time_point now) {
  absl::MutexLock lock(&mount.mu);
  if (mount.refilled == Clock::time_point::min()) {
    mount.refilled = now;
  }
  if (now > mount.refilled) {
    double seconds = std::chrono::duration<double>(now - mount.refilled).count();
    mount.tokens = std::min(max_rps_, mount.tokens + seconds * max_rps_);
    mount.refilled = now;
  }
  if (mount.tokens < 1) {
    return false;
  }
  mount.tokens -= 1;
  return true;
}

HttpResponse SandboxApp::Handle(const HttpRequest& request, Clock::time_point now) {
  HttpResponse response;
  try {
    response = Dispatch(request, now);
  } catch (const std::exception&) {
    response = JsonResponse(500, {{"error", "internal error"}});
  }
  bool has_type = FindHeader(response.headers, "content-type").has_value();
  if (!has_type) {
    response.headers.emplace_back("Content-Type", "application/json");
  }
  response.headers.emplace_back("X-Request-Id", NewRequestId());
  return response;
}

HttpResponse SandboxApp::Dispatch(const HttpRequest& request, Clock::time_point now) {
  std::string_view target = request.target;
  size_t question = target.find('?');
  std::string_view path = target.substr(0, question);
  std::string_view query =
      question == std::string_view::npos ? std::string_view() : target.substr(question + 1);

  for (auto& mount : mounts_) {
    if (!path.starts_with(mount->prefix)) {
      continue;
    }
    std::string_view rest = path.substr(mount->prefix.size());
    if (!rest.empty() && rest.front() != '/') {
      continue;  // "/heygenx" is not under "/heygen"
    }
    Call call;
    call.method = request.method;
    call.path = rest.empty() ? "/" : std::string(rest);
    call.query = ParseQuery(query);
    call.headers = &request.headers;
    call.body = request.body;
    call.now = now;
    call.host = std::string(FindHeader(request.headers, "host").value_or(""));
    try {
      if (std::optional<HttpResponse> refusal = mount->fake->Authenticate(call)) {
        return std::move(*refusal);
      }
      if (!TakeToken(*mount, now)) {
        HttpResponse limited = mount->fake->TooManyRequests(call);
        limited.headers.emplace_back("Retry-After", "1");
        return limited;
      }
      return mount->fake->Route(call);
    } catch (const std::exception&) {
      return mount->fake->InternalError(call);
    }
  }
  return NoVendor(path);
}

}  // namespace bulwark::sandbox
