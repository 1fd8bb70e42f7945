// File: ip_allow_stage.h
// Per-key IP allow-lists (IPv4/IPv6 CIDRs). The client address is decided before the
// pipeline (ClientAddress below): the TCP peer, unless the peer is a trusted proxy, in
// which case the right-most X-Forwarded-For entry that is not a trusted proxy.
#pragma once

#include <vector>

#include "base/cidr.h"
#include "pipeline/context.h"

namespace bulwark {

std::string ClientAddress(const http::Request& request, const std::vector<Cidr>& trusted);

class IpAllowStage final : public Stage {
 public:
  std::string_view name() const override { return "ip_allow"; }
  Result Run(RequestContext& ctx) override;
};

}  // namespace bulwark
