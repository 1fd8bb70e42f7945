// File: secrets_input.h
// What `bulwark secrets set NAME` and `secrets rotate NAME` share before they store anything:
// the name check, the value read from stdin and the loaded environment, each failure
// reported on stderr with the contract's exit code.
//
//   SecretInput in;
//   if (int code = ReadSecretInput(global, name, &in); code != kExitOk) return code;
//   service::SetSecret(*in.env.store, *in.env.master, name, in.value);
#pragma once

#include <string>

#include "base/secret.h"
#include "cli/common.h"

namespace bulwark::cli {

struct SecretInput {
  Environment env;
  Secret value;
};

// Checks `name` (exit 2 if invalid), reads the value with ReadSecretFromStdin (exit 2 if
// empty or too large), then loads the environment. The name and the value are checked
// before the environment is loaded, so bad input is refused even without a usable config.
// Returns kExitOk and fills `out`, or prints the one-line reason and returns the exit code.
int ReadSecretInput(const GlobalOptions& global, const std::string& name, SecretInput* out);

}  // namespace bulwark::cli
