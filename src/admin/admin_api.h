// File: admin_api.h
// The admin listener (CONTRACT.md section 5): /metrics and the admin API under
// /admin/v1/ with admin tokens and roles.
//
//   admin    everything
//   auditor  read-only: GET on keys, secrets, usage, audit; /metrics
//   privacy  consents and data-subject requests (added with those resources); /metrics
//
// Data-plane keys are refused here (only admin tokens are looked up) and admin tokens are
// refused on the data plane (only client keys are). Success is {"data": ..., "error": null};
// errors use the contract's error body. Every change is logged with the token id that
// made it. Store calls block briefly: the admin listener has its own thread, so the data
// plane never waits on them.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <utility>  // std::exchange, used by asio/awaitable.hpp

#include <boost/asio/awaitable.hpp>

#include "config/config.h"
#include "crypto/keys.h"
#include "http/message.h"
#include "observability/metrics.h"
#include "pipeline/snapshot.h"
#include "storage/store.h"

namespace bulwark {

// Called after every successful change: (actor token id, action, target).
using AdminChangeHook = std::function<void(const std::string& actor, const std::string& action,
                                           const std::string& target)>;

class AdminApi {
 public:
  AdminApi(const Config& config, Store& store, const MasterKey& master, SnapshotSource& snapshots,
           Metrics& metrics, AdminChangeHook on_change);

  boost::asio::awaitable<http::Response> Handle(http::Request& request);

 private:
  http::Response Route(const http::Request& request, const AdminTokenRecord& token,
                       const std::string& request_id);

  const Config& config_;
  Store& store_;
  const MasterKey& master_;
  SnapshotSource& snapshots_;
  Metrics& metrics_;
  AdminChangeHook on_change_;
  Secret token_hash_key_;
};

}  // namespace bulwark
