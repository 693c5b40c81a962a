#pragma once
// What the simulated network drives: any sans-I/O machine, through the
// common vocabulary. Adapters in nodes.hpp wrap the real machines.
#include <optional>

#include "core/time.hpp"
#include "core/transmit.hpp"

namespace confab::sim {

class Node {
 public:
  virtual ~Node() = default;
  virtual void handle_datagram(Instant now, const Datagram& d) = 0;
  virtual void handle_timeout(Instant now) = 0;
  virtual std::optional<Transmit> poll_transmit() = 0;
  virtual std::optional<Instant> poll_timeout() const = 0;
};

}  // namespace confab::sim
