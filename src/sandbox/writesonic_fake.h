// File: writesonic_fake.h
// The Writesonic fake: ChatSonic and the content templates of /v2/business/content, with
// the vendor's FastAPI error bodies ({"detail": "..."} and 422 {"detail": [...]}).
// Stateless apart from the key, so thread-safe.
#pragma once

#include <optional>
#include <string>

#include "sandbox/vendor_fake.h"

namespace bulwark::sandbox {

class WritesonicFake : public VendorFake {
 public:
  explicit WritesonicFake(std::string key);

  std::optional<HttpResponse> Authenticate(const Call& call) const override;
  HttpResponse TooManyRequests(const Call& call) const override;
  HttpResponse InternalError(const Call& call) const override;
  HttpResponse Route(const Call& call) override;

 private:
  const std::string key_;
};

}  // namespace bulwark::sandbox
