#pragma once
// Media ports from a fixed range (iChat used UDP 16384–16403, four per
// call), so firewall rules can name them.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/address.hpp"
#include "core/result.hpp"
#include "net/udp_socket.hpp"

namespace confab::net {

struct PortRange {
  std::uint16_t first = 16384;
  std::uint16_t last = 16403;
  // "16384-16403" or a single port "20000".
  static std::optional<PortRange> parse(std::string_view text);
  std::string to_string() const;
};

// `count` UDP sockets bound on `ip` at the lowest free ports of `range`, or
// an error naming the range and how many were free.
Result<std::vector<UdpSocket>, std::string> bind_in_range(const IpAddress& ip, PortRange range, std::size_t count);

}  // namespace confab::net
