#include "cli/secrets_input.h"

#include <iostream>

#include "service/keys.h"

namespace bulwark::cli {

absl::StatusOr<Secret> ReadSecretFromStdin() {
  constexpr size_t kMaxSecret = 16 * 1024;
  std::string value;
  value.reserve(256);
  char buf[4096];
  while (std::cin.read(buf, sizeof(buf)) || std::cin.gcount() > 0) {
    value.append(buf, static_cast<size_t>(std::cin.gcount()));
    if (value.size() > kMaxSecret)
      return absl::InvalidArgumentError("secret is larger than 16 KiB");
  }
  if (!value.empty() && value.back() == '\n') value.pop_back();
  if (!value.empty() && value.back() == '\r') value.pop_back();
  if (value.empty()) return absl::InvalidArgumentError("no secret on stdin (pipe the value in)");
  return Secret(std::move(value));
}

int ReadSecretInput(const GlobalOptions& global, const std::string& name, SecretInput* out) {
  if (!service::IsValidSecretName(name)) {
    return Fail(kExitUsage, "secret names hold 1-64 letters, digits, '-', '_' or '.'");
  }
  absl::StatusOr<Secret> secret = ReadSecretFromStdin();
  if (!secret.ok()) return Fail(kExitUsage, std::string(secret.status().message()));
  out->value = std::move(*secret);
  if (absl::Status st = LoadEnvironment(global, &out->env); !st.ok()) return Fail(st);
  return kExitOk;
}

}  // namespace bulwark::cli
