// File: cidr.h
// IPv4/IPv6 addresses and CIDR blocks, parsed strictly (inet_pton), for key allow-lists
// and trusted proxies. IPv4-mapped IPv6 addresses match IPv4 blocks.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace bulwark {

struct IpAddress {
  std::array<uint8_t, 16> bytes{};  // IPv4 stored as IPv4-mapped IPv6
  static absl::StatusOr<IpAddress> Parse(std::string_view text);
};

class Cidr {
 public:
  // "10.0.0.0/8", "2001:db8::/32", or a single address (host block).
  static absl::StatusOr<Cidr> Parse(std::string_view text);
  bool Contains(const IpAddress& ip) const;
  const std::string& text() const { return text_; }

 private:
  IpAddress network_;
  int prefix_ = 128;  // in IPv6 bits
  std::string text_;
};

}  // namespace bulwark
