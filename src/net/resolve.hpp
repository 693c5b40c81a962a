#pragma once
// Name resolution and interface listing for the CLI (blocking, libc).
#include <optional>
#include <string>
#include <vector>

#include "core/address.hpp"
#include "core/result.hpp"

namespace confab::net {

// "host", "host:port", "192.0.2.1:5678", "[2001:db8::1]:5678" → an address.
// IPv4 is preferred when a name has both.
Result<SocketAddress, std::string> resolve(const std::string& host_port, std::uint16_t default_port);

// Every address configured on this host's interfaces (getifaddrs).
std::vector<IpAddress> interface_addresses();

}  // namespace confab::net
