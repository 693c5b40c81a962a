#pragma once
// The one vocabulary every state machine speaks: datagrams in, transmits out.
#include <cstdint>

#include "core/address.hpp"
#include "core/bytes.hpp"

namespace confab {

enum class Transport : std::uint8_t { udp, tcp, tls };

const char* to_string(Transport t);

// Something received: `local` is the address it arrived on (which of our
// sockets), `remote` who sent it.
struct Datagram {
  Transport transport = Transport::udp;
  SocketAddress local;
  SocketAddress remote;
  ByteView bytes;
};

// Something to send: from which of our local addresses, to whom.
struct Transmit {
  Transport transport = Transport::udp;
  SocketAddress local;
  SocketAddress remote;
  Bytes bytes;
};

}  // namespace confab
