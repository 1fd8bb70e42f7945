// Record::ToJson, the time helpers, AuditLogPath and AppendSync: everything in audit.h that
// does not touch SQLite.
#include <cstdio>
#include <ctime>

#include <fmt/format.h>

#include "absl/synchronization/notification.h"
#include "audit/audit.h"
#include "config/config.h"

namespace bulwark::audit {
namespace {

// Copies `s`, replacing bytes that are not well-formed UTF-8 with U+FFFD, so that a stray
// byte in a logged header can never make JSON output throw.
std::string SanitizeUtf8(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    size_t len = c < 0x80           ? 1
                 : (c >> 5) == 0x6  ? 2
                 : (c >> 4) == 0xE  ? 3
                 : (c >> 3) == 0x1E ? 4
                                    : 0;
    bool ok = len > 0 && i + len <= s.size();
    for (size_t k = 1; ok && k < len; ++k) {
      ok = (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80;
    }
    if (ok && len > 1) {
      // Reject overlong forms, surrogates and code points above U+10FFFF.
      uint32_t cp = c & (0x7F >> len);
      for (size_t k = 1; k < len; ++k)
        cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
      static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
      ok = cp >= kMin[len] && cp <= 0x10FFFF && (cp < 0xD800 || cp > 0xDFFF);
    }
    if (ok) {
      out.append(s, i, len);
      i += len;
    } else {
      out += "\xEF\xBF\xBD";
      ++i;
    }
  }
  return out;
}

}  // namespace

nlohmann::json Record::ToJson() const {
  nlohmann::json pii_json = nlohmann::json::object();
  for (const auto& [type, count] : pii) pii_json[SanitizeUtf8(type)] = count;
  // nlohmann::ordered_json would keep this order, but the header fixes nlohmann::json, so keys
  // come out sorted; the field set is what the contract names.
  return {{"seq", seq},
          {"time", FormatTimeMs(time_ms)},
          {"kind", SanitizeUtf8(kind)},
          {"node", SanitizeUtf8(node)},
          {"request_id", SanitizeUtf8(request_id)},
          {"key_id", SanitizeUtf8(key_id)},
          {"tenant", SanitizeUtf8(tenant)},
          {"subject", SanitizeUtf8(subject)},
          {"provider", SanitizeUtf8(provider)},
          {"operation", SanitizeUtf8(operation)},
          {"status", status},
          {"decision", SanitizeUtf8(decision)},
          {"reason", SanitizeUtf8(reason)},
          {"latency_ms", latency_ms},
          {"pii", std::move(pii_json)},
          {"pii_action", SanitizeUtf8(pii_action)},
          {"actor", SanitizeUtf8(actor)},
          {"action", SanitizeUtf8(action)},
          {"target", SanitizeUtf8(target)},
          {"purpose", SanitizeUtf8(purpose)}};
}

absl::Status AuditLog::AppendSync(Record record) {
  absl::Notification done;
  absl::Status result;
  Append(std::move(record), [&](absl::Status st) {
    result = std::move(st);
    done.Notify();
  });
  done.WaitForNotification();
  return result;
}

std::filesystem::path AuditLogPath(const Config& config) {
  auto sqlite = config.SqlitePath();
  if (sqlite.ok()) return sqlite->parent_path() / "audit.db";
  return config.dir / "var" / "audit.db";
}

std::string FormatTimeMs(int64_t unix_ms) {
  int64_t secs = unix_ms >= 0 ? unix_ms / 1000 : (unix_ms - 999) / 1000;
  int64_t ms = unix_ms - secs * 1000;
  std::time_t t = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
}

absl::StatusOr<int64_t> ParseTimeMs(std::string_view text) {
  auto bad = [&] {
    return absl::InvalidArgumentError(fmt::format(
        "invalid time '{}': use RFC 3339, e.g. 2024-05-01T12:00:00Z or 2024-05-01T14:00:00+02:00",
        text));
  };
  auto digits = [&](size_t pos, size_t n, int* out) {
    if (pos + n > text.size()) return false;
    int v = 0;
    for (size_t i = pos; i < pos + n; ++i) {
      if (text[i] < '0' || text[i] > '9') return false;
      v = v * 10 + (text[i] - '0');
    }
    *out = v;
    return true;
  };
  int year, mon, day, hour, min, sec;
  if (!digits(0, 4, &year) || text.size() < 20 || text[4] != '-' || !digits(5, 2, &mon) ||
      text[7] != '-' || !digits(8, 2, &day) || (text[10] != 'T' && text[10] != 't') ||
      !digits(11, 2, &hour) || text[13] != ':' || !digits(14, 2, &min) || text[16] != ':' ||
      !digits(17, 2, &sec)) {
    return bad();
  }
  if (mon < 1 || mon > 12 || day < 1 || day > 31 || hour > 23 || min > 59 || sec > 60) {
    return bad();
  }
  size_t pos = 19;
  int64_t ms = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    int64_t scale = 100;
    size_t start = pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      ms += (text[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
    if (pos == start) return bad();
  }
  int64_t offset_s = 0;
  if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
    ++pos;
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    int oh, om;
    if (!digits(pos + 1, 2, &oh) || pos + 3 >= text.size() || text[pos + 3] != ':' ||
        !digits(pos + 4, 2, &om) || oh > 23 || om > 59) {
      return bad();
    }
    offset_s = (oh * 3600 + om * 60) * (text[pos] == '+' ? 1 : -1);
    pos += 6;
  } else {
    return bad();
  }
  if (pos != text.size()) return bad();
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = mon - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = min;
  tm.tm_sec = sec;
  int64_t secs = static_cast<int64_t>(timegm(&tm)) - offset_s;
  return secs * 1000 + ms;
}

}  // namespace bulwark::audit
