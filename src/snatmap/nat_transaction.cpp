#include "snatmap/nat_transaction.hpp"

#include <utility>

namespace confab::snatmap {

ClientTransaction::ClientTransaction(stun::TransactionId id, std::size_t socket, SocketAddress to,
                                     Bytes request, RetransmitConfig config, Instant now)
    : id_(id),
      socket_(socket),
      to_(to),
      request_(std::move(request)),
      config_(config),
      rto_(config.initial_rto),
      next_(now) {}

ClientTransaction::Tick ClientTransaction::handle_timeout(Instant now) {
  if (now < next_) return Tick::nothing;
  if (sent_ >= config_.max_transmissions) return Tick::failed;
  ++sent_;
  if (sent_ < config_.max_transmissions) {
    next_ = now + rto_;
    rto_ *= 2;
  } else {
    next_ = now + config_.initial_rto * config_.rm;
  }
  return Tick::retransmit;
}

}  // namespace confab::snatmap
