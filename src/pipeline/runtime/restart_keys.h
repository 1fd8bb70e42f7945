// File: restart_keys.h
// Which configuration keys a SIGHUP reload cannot apply (issue 4). Everything the data
// plane reads per request is swapped on reload (runtime_config.h, traffic/traffic_control.h,
// the access log and the log level); the keys below are read once at start-up by listeners
// and background components, so a change to them waits for a restart:
//
//   server.listen, server.admin_listen, server.workers, server.tls.*, server.max_body,
//   server.header_timeout, server.idle_timeout, server.request_timeout,
//   server.max_connections, server.max_connections_per_ip   (the listeners)
//   store.url, ratelimit.url, secrets.master_key_file       (the backends and the key)
//   audit.fail_closed, capture.*, admin.metrics_public, auth.*, anomaly.*, alerts.*
//   providers.NAME.retention                                (the retention job)
//
//   for (const std::string& key : RestartOnlyChanges(started_with, fresh))
//     spdlog::warn("{} changed: needs a restart", key);
#pragma once

#include <string>
#include <vector>

#include "config/config.h"

namespace bulwark {

// The keys above whose values differ between `running` (the config the process started
// with) and `fresh`, named as in the file ("server.listen", "auth.jwt.okta",
// "providers.heygen.retention"); empty when a reload applies everything.
std::vector<std::string> RestartOnlyChanges(const Config& running, const Config& fresh);

}  // namespace bulwark
