#pragma once
// The sockets under mDNS (RFC 6762): UDP 5353 on IPv4 and IPv6, shared
// with any other responder on the host (SO_REUSEADDR + SO_REUSEPORT, as
// Avahi and mDNSResponder do), the groups 224.0.0.251 and ff02::fb joined on
// every suitable link (up, multicast, not loopback), hop limit 255 (§11),
// and the link each datagram came in on (IP_PKTINFO / IPV6_PKTINFO).
// Sending names the link: the group on that link, or a unicast address.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/address.hpp"
#include "core/bytes.hpp"
#include "core/result.hpp"

namespace confab::net {

struct LinkInterface {
  std::uint32_t index = 0;
  std::string name;
  std::vector<IpAddress> addresses;
  bool operator==(const LinkInterface&) const = default;
};

// Interfaces that are up, multicast-capable and not loopback, with their
// addresses; `only` (a name) keeps just that one, even if it is loopback
// (tests on one host).
std::vector<LinkInterface> multicast_interfaces(const std::string& only = {});

struct MulticastOptions {
  std::uint16_t port = 5353;
  IpAddress group_v4 = IpAddress::v4({224, 0, 0, 251});
  IpAddress group_v6 = *IpAddress::parse("ff02::fb");
  bool ipv6 = true;          // also open the IPv6 socket (skipped quietly if the host has no IPv6)
  std::string interface;     // empty: every suitable interface
};

struct LinkDatagram {
  std::uint32_t interface = 0;
  SocketAddress source;
  Bytes bytes;
};

class MulticastSockets {
 public:
  // Binds the port on both families and joins the groups on each interface.
  static Result<MulticastSockets, std::string> open(const MulticastOptions& options);
  MulticastSockets() = default;
  MulticastSockets(MulticastSockets&&) noexcept;
  MulticastSockets& operator=(MulticastSockets&&) noexcept;
  ~MulticastSockets();

  // Re-lists the interfaces, joining the groups on new ones; true if the
  // list (or an address on it) changed.
  bool refresh_interfaces();
  const std::vector<LinkInterface>& interfaces() const { return links_; }

  std::vector<int> fds() const;
  // Everything waiting on `fd`, without blocking.
  std::vector<LinkDatagram> receive(int fd);
  // To the group on `interface` (both families the link has an address
  // of), or to `unicast` through that interface. False if nothing went out.
  bool send(std::uint32_t interface, const std::optional<SocketAddress>& unicast, ByteView bytes);

 private:
  void join(const LinkInterface& link);
  void close();

  MulticastOptions options_;
  int v4_ = -1;
  int v6_ = -1;
  std::vector<LinkInterface> links_;
};

}  // namespace confab::net
