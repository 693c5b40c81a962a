#pragma once
// What the SIP machines hand to the transport: a message and, when there is
// one, the connection (flow) to send it on.
#include <cstdint>

#include "core/transmit.hpp"

namespace confab::sip {

struct Outgoing {
  Transmit transmit;
  std::uint64_t flow = 0;  // the connection to send on; 0 = by address
};

}  // namespace confab::sip
