// File: cli.h
// `bulwark scan` and `bulwark redact` (CONTRACT.md section 2). The CLI wiring calls these
// with the process streams and returns their result as the exit code.
#pragma once

#include <iosfwd>

namespace bulwark::privacy {

// Reads text on `in` and prints one JSON object per finding per line:
// {"type":"EMAIL","start":10,"end":27,"text":"jane@example.com"} (byte offsets, end
// exclusive; invalid UTF-8 in "text" is replaced by U+FFFD). Returns 0, or 2 with a
// one-line reason on `err` if the input cannot be read or scanned.
int RunScanCommand(std::istream& in, std::ostream& out, std::ostream& err);

// Reads text on `in` and writes it with every finding replaced per the default policy
// (redact: "[EMAIL]"). Returns 0, or 2 with a one-line reason on `err`.
int RunRedactCommand(std::istream& in, std::ostream& out, std::ostream& err);

}  // namespace bulwark::privacy
