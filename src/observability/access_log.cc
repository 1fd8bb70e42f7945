#include "observability/access_log.h"

#include <chrono>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/async.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace bulwark {

absl::StatusOr<std::unique_ptr<AccessLog>> AccessLog::Open(const std::string& target) {
  auto log = std::make_unique<AccessLog>();
  if (target == "off") return log;
  try {
    spdlog::init_thread_pool(8192, 1);
    spdlog::sink_ptr sink;
    if (target == "stdout") {
      sink = std::make_shared<spdlog::sinks::stdout_sink_mt>();
    } else {
      sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(target);
    }
    log->logger_ = std::make_shared<spdlog::async_logger>("access", sink, spdlog::thread_pool(),
                                                          spdlog::async_overflow_policy::block);
    log->logger_->set_pattern("%v");
    log->logger_->flush_on(spdlog::level::info);
  } catch (const spdlog::spdlog_ex& e) {
    return absl::UnavailableError(fmt::format("cannot open access log {}: {}", target, e.what()));
  }
  return log;
}

AccessLog::~AccessLog() { Flush(); }

void AccessLog::Flush() {
  if (logger_) logger_->flush();
}

void AccessLog::Write(const AccessRecord& r) {
  if (!logger_) return;
  auto now = std::chrono::system_clock::now();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  nlohmann::json j = {
      {"time", fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900,
                           tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms % 1000)},
      {"request_id", r.request_id},
      {"key_id", r.key_id},
      {"tenant", r.tenant},
      {"client_ip", r.client_ip},
      {"method", r.method},
      {"provider", r.provider},
      {"operation", r.operation},
      {"status", r.status},
      {"code", r.code},
      {"reason", r.reason},
      {"latency_ms", r.latency_ms},
      {"upstream_ms", r.upstream_ms},
      {"bytes_in", r.bytes_in},
      {"bytes_out", r.bytes_out},
  };
  nlohmann::json pii = nlohmann::json::object();
  for (const auto& [type, count] : r.pii) pii[type] = count;
  j["pii"] = std::move(pii);
  nlohmann::json actions = nlohmann::json::object();
  for (const auto& [type, action] : r.pii_actions) actions[type] = action;
  j["pii_actions"] = std::move(actions);
  j["dropped_fields"] = r.dropped_fields;
  logger_->info(j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

}  // namespace bulwark
