// File: openai_fake.h
// The OpenAI-compatible fake: chat completions (plain and SSE streaming), the Responses
// API, embeddings and the model list, with OpenAI's error body
// ({"error": {"message", "type", "param", "code"}}). Answers are deterministic echoes of
// the input, so tests can see exactly what reached the "vendor" (e.g. after redaction).
// Stateless apart from the key, so thread-safe.
#pragma once

#include <optional>
#include <string>

#include "sandbox/vendor_fake.h"

namespace bulwark::sandbox {

class OpenAiFake : public VendorFake {
 public:
  explicit OpenAiFake(std::string key);

  std::optional<HttpResponse> Authenticate(const Call& call) const override;
  HttpResponse TooManyRequests(const Call& call) const override;
  HttpResponse InternalError(const Call& call) const override;
  HttpResponse Route(const Call& call) override;

 private:
  const std::string key_;
};

}  // namespace bulwark::sandbox
