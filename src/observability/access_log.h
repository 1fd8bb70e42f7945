// File: access_log.h
// One structured JSON line per request. Only the fields below exist: there is no way to
// log a header, a body or a credential through this type.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace spdlog {
class logger;
}

namespace bulwark {

struct AccessRecord {
  std::string request_id;
  std::string key_id;  // "" when unauthenticated
  std::string tenant;
  std::string client_ip;
  std::string method;
  std::string provider;
  std::string operation;
  int status = 0;
  std::string code;    // contract error code when bulwark refused, else ""
  std::string reason;  // internal stable reason, e.g. "authn.unknown_key"
  double latency_ms = 0;
  double upstream_ms = 0;
  uint64_t bytes_in = 0;
  uint64_t bytes_out = 0;
  std::vector<std::pair<std::string, int>> pii;  // PII type -> count found (never values)
  std::vector<std::pair<std::string, std::string>> pii_actions;  // PII type -> action taken
  std::vector<std::string> dropped_fields;  // request fields removed by minimisation (names)
};

class AccessLog {
 public:
  // `target` is "stdout", "off" or a file path (appended to).
  static absl::StatusOr<std::unique_ptr<AccessLog>> Open(const std::string& target);
  ~AccessLog();
  // Thread-safe, also against Reopen: a line goes whole to the old or to the new target.
  void Write(const AccessRecord& record);
  void Flush();

  // SIGHUP: (re)opens `target` and switches to it; a file is opened anew even when the
  // name did not change, so that a log rotated away (logrotate's rename) is continued in a
  // new file. Lines already queued still reach the old target. On failure (the file
  // cannot be opened) nothing changes and the error names the target.
  absl::Status Reopen(const std::string& target);

 private:
  // nullptr for "off".
  static absl::StatusOr<std::shared_ptr<spdlog::logger>> OpenLogger(const std::string& target);
  std::atomic<std::shared_ptr<spdlog::logger>> logger_;
};

}  // namespace bulwark
