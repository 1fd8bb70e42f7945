#include <chrono>

#include <fmt/format.h>

#include "audit/audit.h"
#include "base/units.h"

namespace bulwark::audit {

absl::StatusOr<int64_t> ParseWhenMs(const std::string& text, std::string_view what) {
  if (auto t = ParseTimeMs(text); t.ok()) return *t;
  auto d = ParseDuration(text);
  if (!d.ok()) {
    return absl::InvalidArgumentError(fmt::format(
        "{} '{}': use an RFC 3339 time (2024-05-01T12:00:00Z) or a duration (30s, 15m, 24h, "
        "30d) meaning that long ago",
        what, text));
  }
  int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  return now_ms - static_cast<int64_t>(d->count()) * 1000;
}

}  // namespace bulwark::audit
