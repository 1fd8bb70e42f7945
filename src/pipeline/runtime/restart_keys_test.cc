#include "pipeline/runtime/restart_keys.h"

#include <gtest/gtest.h>

namespace bulwark {
namespace {

using Keys = std::vector<std::string>;

Config Base() {
  Config c;
  ProviderConfig p;
  p.name = "heygen";
  p.profile = "heygen";
  p.base_url = "https://api.heygen.com";
  c.providers.push_back(p);
  return c;
}

TEST(RestartOnlyChanges, WhatTheDataPlaneReadsPerRequestNeedsNoRestart) {
  Config running = Base();
  Config fresh = Base();
  fresh.providers[0].base_url = "https://other.example";
  fresh.providers[0].pii = "allow";
  fresh.providers[0].timeout = std::chrono::seconds(5);
  fresh.providers[0].rate = {"5/s"};
  fresh.providers[0].capture = true;
  fresh.server.trusted_proxies = {"10.0.0.0/8"};
  fresh.access_log = "/tmp/x.log";
  fresh.log_level = "debug";
  fresh.tenant_quotas["acme"] = {"10/d"};
  ProviderConfig added = Base().providers[0];
  added.name = "second";
  fresh.providers.push_back(added);
  EXPECT_EQ(RestartOnlyChanges(running, fresh), Keys{});
}

TEST(RestartOnlyChanges, NamesListenersBackendsAndStartUpComponents) {
  Config running = Base();
  Config fresh = Base();
  fresh.server.listen = "127.0.0.1:9999";
  fresh.server.tls_cert = "/etc/cert.pem";
  fresh.store_url = "sqlite:///other.db";
  fresh.master_key_file = "/other.key";
  fresh.audit_fail_closed = false;
  fresh.issuer = "someone";
  fresh.anomaly.rate_spike.min = 5;
  fresh.providers[0].retention = std::chrono::seconds(60);
  EXPECT_EQ(RestartOnlyChanges(running, fresh),
            (Keys{"server.listen", "server.tls.cert", "store.url", "secrets.master_key_file",
                  "audit.fail_closed", "auth.issuer", "anomaly", "providers.heygen.retention"}));
}

TEST(RestartOnlyChanges, JwtIssuersAddedChangedOrRemoved) {
  Config running = Base();
  JwtIssuerConfig okta;
  okta.name = "okta";
  okta.issuer = "https://okta";
  running.jwt_issuers.push_back(okta);
  Config fresh = running;
  EXPECT_EQ(RestartOnlyChanges(running, fresh), Keys{});
  fresh.jwt_issuers[0].audience = "other";
  EXPECT_EQ(RestartOnlyChanges(running, fresh), (Keys{"auth.jwt.okta"}));
  fresh.jwt_issuers.clear();
  EXPECT_EQ(RestartOnlyChanges(running, fresh), (Keys{"auth.jwt.okta"}));
}

}  // namespace
}  // namespace bulwark
