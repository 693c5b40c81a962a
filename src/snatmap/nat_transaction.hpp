#pragma once
// One STUN client transaction's retransmission timer (RFC 8489 §6.2.1), with
// defaults tuned for diagnostics rather than for calls: a first answer within
// a second matters more than surviving a 40-second outage.
#include <cstddef>
#include <optional>

#include "core/address.hpp"
#include "core/bytes.hpp"
#include "core/time.hpp"
#include "stun/message.hpp"

namespace confab::snatmap {

struct RetransmitConfig {
  Duration initial_rto = std::chrono::milliseconds(250);  // doubled after each transmission
  int max_transmissions = 4;                              // Rc
  // After the last transmission, wait rm × initial_rto for an answer (RFC 8489's Rm).
  int rm = 8;
};

class ClientTransaction {
 public:
  enum class Tick : std::uint8_t { nothing, retransmit, failed };

  // The first transmission is due at `now`.
  ClientTransaction(stun::TransactionId id, std::size_t socket, SocketAddress to, Bytes request,
                    RetransmitConfig config, Instant now);

  const stun::TransactionId& id() const { return id_; }
  std::size_t socket() const { return socket_; }
  const SocketAddress& destination() const { return to_; }
  const Bytes& request() const { return request_; }
  int transmissions() const { return sent_; }

  // When handle_timeout() has work to do.
  Instant deadline() const { return next_; }
  // `retransmit`: send request() again now (also for the first transmission);
  // `failed`: no answer after the last one.
  Tick handle_timeout(Instant now);

 private:
  stun::TransactionId id_;
  std::size_t socket_;
  SocketAddress to_;
  Bytes request_;
  RetransmitConfig config_;
  Duration rto_;
  Instant next_;
  int sent_ = 0;
};

}  // namespace confab::snatmap
