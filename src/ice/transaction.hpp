#pragma once
// A STUN client transaction's retransmission timer over UDP (RFC 8489
// §6.2.1): the request goes out at the start, again after RTO, 2·RTO, ...
// until Rc transmissions, then the transaction times out Rm·RTO after the
// last one. ICE chooses the RTO (RFC 8445 §14.3) and may cancel a
// transaction (§7.3.1.4): no more retransmissions, no failure, but a late
// response still counts until the transaction would have timed out.
#include <cstdint>

#include "core/time.hpp"

namespace confab::ice {

struct RetransmitPolicy {
  Duration rto = std::chrono::milliseconds(500);
  int max_transmissions = 7;  // Rc
  int rm = 16;                // Rm
};

class Retransmitter {
 public:
  enum class Tick : std::uint8_t { nothing, retransmit, timed_out };

  // The first transmission is made by the caller at `now`.
  Retransmitter(RetransmitPolicy policy, Instant now);

  Instant deadline() const { return next_; }
  int transmissions() const { return sent_; }
  bool cancelled() const { return cancelled_; }
  Tick handle_timeout(Instant now);
  void cancel();

 private:
  RetransmitPolicy policy_;
  Duration rto_;
  Instant next_;
  Instant end_;  // when the transaction times out if nothing is retransmitted
  int sent_ = 1;
  bool cancelled_ = false;
};

}  // namespace confab::ice
