#pragma once
// What a network service runs: a sans-I/O machine that answers datagrams.
// One handler instance per worker thread, so handlers need no locks.
#include <optional>

#include "core/time.hpp"
#include "core/transmit.hpp"

namespace confab::net {

class DatagramHandler {
 public:
  virtual ~DatagramHandler() = default;
  virtual std::optional<Transmit> handle_datagram(Instant now, const Datagram& d) = 0;
  // Called after each batch on the handler's own thread: the place to copy
  // counters somewhere other threads may read them.
  virtual void publish() {}
};

}  // namespace confab::net
