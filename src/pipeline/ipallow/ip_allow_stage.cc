#include "pipeline/ipallow/ip_allow_stage.h"

namespace bulwark {
namespace {

bool InAny(const std::vector<Cidr>& blocks, const IpAddress& ip) {
  for (const Cidr& c : blocks) {
    if (c.Contains(ip)) return true;
  }
  return false;
}

std::string_view Trim(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  return v;
}

}  // namespace

std::string ClientAddress(const http::Request& request, const std::vector<Cidr>& trusted) {
  auto peer = IpAddress::Parse(request.peer_ip);
  if (trusted.empty() || !peer.ok() || !InAny(trusted, *peer)) return request.peer_ip;
  // Walk X-Forwarded-For right to left over every such header (later headers are
  // appended by nearer proxies); the first address not in a trusted block is the client.
  std::vector<std::string_view> hops;
  for (const http::Header& h : request.head.headers) {
    if (!http::EqualsIgnoreCase(h.name, "x-forwarded-for")) continue;
    std::string_view v = h.value;
    while (!v.empty()) {
      size_t comma = v.find(',');
      hops.push_back(Trim(v.substr(0, comma)));
      if (comma == std::string_view::npos) break;
      v.remove_prefix(comma + 1);
    }
  }
  for (auto it = hops.rbegin(); it != hops.rend(); ++it) {
    auto ip = IpAddress::Parse(*it);
    if (!ip.ok()) return request.peer_ip;  // garbage from a proxy: trust only the peer
    if (!InAny(trusted, *ip)) return std::string(*it);
  }
  return request.peer_ip;
}

Stage::Result IpAllowStage::Run(RequestContext& ctx) {
  if (ctx.key->allow.empty()) return kContinue;
  auto ip = IpAddress::Parse(ctx.client_ip);
  if (ip.ok() && InAny(ctx.key->allow, *ip)) return kContinue;
  ctx.Reject(ApiError::kIpNotAllowed, "ip.not_in_allowlist");
  return kStop;
}

}  // namespace bulwark
