// The reflector fed arbitrary datagrams: whatever arrives, it must not crash,
// must answer only to the sender's address (never a third party), from one
// of its own addresses, and never with more bytes than a fixed bound.
#include <cstdint>
#include <algorithm>
#include <cstdlib>

#include "snatmap/reflector.hpp"

using namespace confab;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const IpAddress primary = *IpAddress::parse("203.0.113.10");
  static const IpAddress alternate = *IpAddress::parse("203.0.113.11");
  snatmap::ReflectorConfig config;
  config.primary_address = primary;
  config.alternate_address = alternate;
  config.ports = {{5678, 5679}};
  config.rate_limit = {0, 0, 16};
  snatmap::Reflector reflector(config);

  // The first byte picks the transport and the socket it arrived on.
  std::uint8_t selector = size ? data[0] : 0;
  Transport transport = (selector & 1) ? Transport::tcp : Transport::udp;
  SocketAddress local{(selector & 2) ? alternate : primary, static_cast<std::uint16_t>((selector & 4) ? 5679 : 5678)};
  SocketAddress remote = *SocketAddress::parse("198.51.100.7:40000");
  ByteView bytes(data + (size ? 1 : 0), size ? size - 1 : 0);

  auto out = reflector.handle_datagram(Instant{}, Datagram{transport, local, remote, bytes});
  if (out) {
    if (out->remote.ip != remote.ip) std::abort();  // a third party
    if (transport == Transport::tcp && out->remote != remote) std::abort();
    auto mine = reflector.local_addresses();
    if (std::find(mine.begin(), mine.end(), out->local) == mine.end()) std::abort();
    if (out->bytes.size() > std::max<std::size_t>(bytes.size(), 200)) std::abort();  // no amplification
  }
  return 0;
}
