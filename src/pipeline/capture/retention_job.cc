#include "pipeline/capture/retention_job.h"

#include <ctime>

#include <spdlog/spdlog.h>

#include "subjects/service.h"

namespace bulwark {

RetentionJob::RetentionJob(Store& store, const Config& config,
                           std::function<void(const nlohmann::json& summary)> on_purged)
    : store_(store), config_(config), on_purged_(std::move(on_purged)) {
  thread_ = std::thread([this] { Loop(); });
}

RetentionJob::~RetentionJob() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void RetentionJob::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    if (cv_.wait_for(lock, config_.purge_interval, [this] { return stop_; })) return;
    lock.unlock();
    auto summary = subjects::Purge(store_, config_, static_cast<int64_t>(std::time(nullptr)));
    if (!summary.ok()) {
      spdlog::warn("payload retention failed (retried next interval): {}",
                   summary.status().ToString());
    } else if ((*summary)["deleted"].get<int64_t>() > 0) {
      spdlog::info("payload retention: {}", summary->dump());
      if (on_purged_) on_purged_(*summary);
    }
    lock.lock();
  }
}

}  // namespace bulwark
