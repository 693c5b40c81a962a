#include "ice/transaction.hpp"

#include <algorithm>

namespace confab::ice {

Retransmitter::Retransmitter(RetransmitPolicy policy, Instant now) : policy_(policy), rto_(policy.rto) {
  policy_.max_transmissions = std::max(policy_.max_transmissions, 1);
  policy_.rm = std::max(policy_.rm, 1);
  // The whole schedule: RTO·(2^(Rc-1) - 1) of retransmissions, then Rm·RTO.
  Duration total = policy_.rto * policy_.rm;
  Duration step = policy_.rto;
  for (int i = 1; i < policy_.max_transmissions; ++i, step *= 2) total += step;
  end_ = now + total;
  next_ = policy_.max_transmissions > 1 ? now + rto_ : end_;
}

Retransmitter::Tick Retransmitter::handle_timeout(Instant now) {
  if (now < next_) return Tick::nothing;
  if (cancelled_ || sent_ >= policy_.max_transmissions) return Tick::timed_out;
  ++sent_;
  rto_ *= 2;
  next_ = sent_ < policy_.max_transmissions ? now + rto_ : std::max(now + policy_.rto * policy_.rm, now);
  return Tick::retransmit;
}

void Retransmitter::cancel() {
  cancelled_ = true;
  next_ = std::max(next_, end_);
}

}  // namespace confab::ice
