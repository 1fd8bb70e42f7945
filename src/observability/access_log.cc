#include "observability/access_log.h"

#include <chrono>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/async.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace bulwark {

absl::StatusOr<std::shared_ptr<spdlog::logger>> AccessLog::OpenLogger(const std::string& target) {
  if (target == "off") return std::shared_ptr<spdlog::logger>();
  try {
    // One queue for the process: replacing it would strand the lines of a logger still
    // writing through the old one (a reopen keeps it).
    if (spdlog::thread_pool() == nullptr) spdlog::init_thread_pool(8192, 1);
    spdlog::sink_ptr sink;
    if (target == "stdout") {
      sink = std::make_shared<spdlog::sinks::stdout_sink_mt>();
    } else {
      sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(target);
    }
    auto logger = std::make_shared<spdlog::async_logger>("access", sink, spdlog::thread_pool(),
                                                         spdlog::async_overflow_policy::block);
    logger->set_pattern("%v");
    logger->flush_on(spdlog::level::info);
    return std::shared_ptr<spdlog::logger>(std::move(logger));
  } catch (const spdlog::spdlog_ex& e) {
    return absl::UnavailableError(fmt::format("cannot open access log {}: {}", target, e.what()));
  }
}

absl::StatusOr<std::unique_ptr<AccessLog>> AccessLog::Open(const std::string& target) {
  auto logger = OpenLogger(target);
  if (!logger.ok()) return logger.status();
  auto log = std::make_unique<AccessLog>();
  log->logger_.store(std::move(*logger));
  return log;
}

absl::Status AccessLog::Reopen(const std::string& target) {
  auto logger = OpenLogger(target);
  if (!logger.ok()) return logger.status();
  std::shared_ptr<spdlog::logger> old = logger_.exchange(std::move(*logger));
  if (old) old->flush();
  return absl::OkStatus();
}

AccessLog::~AccessLog() { Flush(); }

void AccessLog::Flush() {
  if (auto logger = logger_.load()) logger->flush();
}

void AccessLog::Write(const AccessRecord& r) {
  std::shared_ptr<spdlog::logger> logger = logger_.load();
  if (!logger) return;
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
  logger->info(j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

}  // namespace bulwark
