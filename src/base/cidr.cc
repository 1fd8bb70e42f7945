#include "base/cidr.h"

#include <charconv>
#include <cstring>

#include <fmt/format.h>

#include <arpa/inet.h>

namespace bulwark {

absl::StatusOr<IpAddress> IpAddress::Parse(std::string_view text) {
  std::string s(text);
  IpAddress ip;
  in_addr v4{};
  in6_addr v6{};
  if (s.size() <= 15 && inet_pton(AF_INET, s.c_str(), &v4) == 1) {
    ip.bytes[10] = 0xff;
    ip.bytes[11] = 0xff;
    std::memcpy(ip.bytes.data() + 12, &v4, 4);
    return ip;
  }
  if (s.size() <= 45 && inet_pton(AF_INET6, s.c_str(), &v6) == 1) {
    std::memcpy(ip.bytes.data(), &v6, 16);
    return ip;
  }
  return absl::InvalidArgumentError(fmt::format("'{}' is not an IP address", text));
}

absl::StatusOr<Cidr> Cidr::Parse(std::string_view text) {
  Cidr c;
  c.text_ = std::string(text);
  size_t slash = text.find('/');
  auto ip = IpAddress::Parse(text.substr(0, slash));
  if (!ip.ok()) return absl::InvalidArgumentError(fmt::format("'{}' is not a CIDR block", text));
  bool v4 = text.substr(0, slash).find(':') == std::string_view::npos;
  int max = v4 ? 32 : 128;
  int prefix = max;
  if (slash != std::string_view::npos) {
    std::string_view p = text.substr(slash + 1);
    auto [ptr, ec] = std::from_chars(p.data(), p.data() + p.size(), prefix);
    if (p.empty() || ec != std::errc() || ptr != p.data() + p.size() || prefix < 0 ||
        prefix > max) {
      return absl::InvalidArgumentError(fmt::format("'{}' has a bad prefix length", text));
    }
  }
  c.prefix_ = v4 ? prefix + 96 : prefix;
  c.network_ = *ip;
  // Clear host bits so Contains compares networks.
  for (int bit = c.prefix_; bit < 128; ++bit) {
    c.network_.bytes[bit / 8] &= static_cast<uint8_t>(~(0x80u >> (bit % 8)));
  }
  return c;
}

bool Cidr::Contains(const IpAddress& ip) const {
  int full = prefix_ / 8;
  if (std::memcmp(ip.bytes.data(), network_.bytes.data(), static_cast<size_t>(full)) != 0) {
    return false;
  }
  int rest = prefix_ % 8;
  if (rest == 0) return true;
  auto mask = static_cast<uint8_t>(0xffu << (8 - rest));
  return (ip.bytes[full] & mask) == (network_.bytes[full] & mask);
}

}  // namespace bulwark
