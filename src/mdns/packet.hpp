#pragma once
// What the mDNS machines are fed and what they emit. mDNS is per link
// (RFC 6762 §14): every packet carries the interface it came in on or must
// go out on, and the socket adapter turns "the group" into 224.0.0.251 and
// ff02::fb on that interface.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/address.hpp"
#include "core/bytes.hpp"

namespace confab::mdns {

inline constexpr std::uint16_t mdns_port = 5353;

struct InterfaceInfo {
  std::uint32_t index = 0;  // the OS interface index
  std::string name;         // "eth0", for messages
  std::vector<IpAddress> addresses;  // what our A/AAAA records say on this link
  bool operator==(const InterfaceInfo&) const = default;
};

struct InPacket {
  std::uint32_t interface = 0;
  SocketAddress source;  // a source port other than 5353 is a legacy unicast querier (§6.7)
  ByteView bytes;
};

struct OutPacket {
  std::uint32_t interface = 0;
  // nullopt: multicast to the group; else unicast to this address (QU
  // answers, §5.4; legacy unicast answers, §6.7).
  std::optional<SocketAddress> unicast;
  Bytes bytes;
};

}  // namespace confab::mdns
