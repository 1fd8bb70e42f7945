// File: retention_job.h
// RetentionJob: applies payload retention (subjects::Purge, what `bulwark purge` does) on
// a background thread every `capture.purge_interval`, starting one interval after
// start-up. Failures are logged and retried at the next tick. A run that deleted something
// is reported to `on_purged` (serve audits it). The destructor stops and joins the thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include <nlohmann/json.hpp>

#include "config/config.h"
#include "storage/store.h"

namespace bulwark {

class RetentionJob {
 public:
  RetentionJob(Store& store, const Config& config,
               std::function<void(const nlohmann::json& summary)> on_purged);
  ~RetentionJob();

 private:
  void Loop();

  Store& store_;
  const Config& config_;
  std::function<void(const nlohmann::json&)> on_purged_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;  // guarded by mu_
  std::thread thread_;
};

}  // namespace bulwark
