// Server transactions, RFC 3261 §17.2 (INVITE: Figure 7, non-INVITE:
// Figure 8), with the Accepted state of RFC 6026 §8.7 for INVITE 2xx.
#include <algorithm>

#include "sip/transaction.hpp"

namespace confab::sip {

ServerTransaction::ServerTransaction(Instant, TransactionKind kind, bool reliable, TransactionTimers timers)
    : kind_(kind),
      reliable_(reliable),
      timers_(timers),
      // §17.2.1: an INVITE server transaction starts in Proceeding.
      state_(kind == TransactionKind::invite ? TransactionState::proceeding : TransactionState::trying),
      retransmit_interval_(timers.t1) {}

void ServerTransaction::handle_request_retransmission(Instant) {
  // Proceeding and Completed answer a retransmitted request with the last
  // response; Trying has nothing to say yet, Accepted/Confirmed absorb it.
  if ((state_ == TransactionState::proceeding || state_ == TransactionState::completed) && !last_response_.empty())
    outbox_.push_back(last_response_);
}

void ServerTransaction::handle_ack(Instant now) {
  if (kind_ != TransactionKind::invite || state_ != TransactionState::completed) return;
  state_ = TransactionState::confirmed;
  retransmit_at_.reset();
  give_up_at_.reset();
  end_at_ = now + (reliable_ ? Duration{} : timers_.t4);  // Timer I: absorb ACK retransmissions
}

void ServerTransaction::respond(Instant now, int status, Bytes response) {
  if (!can_respond() || status < 100) return;
  if (state_ == TransactionState::accepted && status >= 300) return;  // a 2xx was already sent
  last_response_ = response;
  outbox_.push_back(std::move(response));
  if (status < 200) {
    if (state_ == TransactionState::trying) state_ = TransactionState::proceeding;
    return;
  }
  if (kind_ == TransactionKind::invite && status < 300) {
    // The TU retransmits its 2xx until the ACK (§13.3.1.4); the transaction
    // only lingers to absorb INVITE retransmissions (Timer L).
    if (state_ != TransactionState::accepted) end_at_ = now + 64 * timers_.t1;
    state_ = TransactionState::accepted;
    return;
  }
  state_ = TransactionState::completed;
  if (kind_ == TransactionKind::invite) {
    if (!reliable_) {
      retransmit_interval_ = timers_.t1;
      retransmit_at_ = now + timers_.t1;  // Timer G
    }
    give_up_at_ = now + 64 * timers_.t1;  // Timer H
  } else {
    end_at_ = now + (reliable_ ? Duration{} : 64 * timers_.t1);  // Timer J
  }
}

void ServerTransaction::handle_transport_error(Instant) {
  if (state_ == TransactionState::terminated) return;
  events_.push_back({TransactionEvent::Kind::transport_error, 0, {}});
  terminate();
}

void ServerTransaction::handle_timeout(Instant now) {
  if (retransmit_at_ && now >= *retransmit_at_) {
    outbox_.push_back(last_response_);
    retransmit_interval_ = std::min(2 * retransmit_interval_, timers_.t2);
    retransmit_at_ = now + retransmit_interval_;
  }
  if (give_up_at_ && now >= *give_up_at_) {
    events_.push_back({TransactionEvent::Kind::timeout, 0, {}});  // no ACK ever came
    terminate();
    return;
  }
  if (end_at_ && now >= *end_at_) terminate();
}

void ServerTransaction::terminate() {
  state_ = TransactionState::terminated;
  retransmit_at_.reset();
  give_up_at_.reset();
  end_at_.reset();
  events_.push_back({TransactionEvent::Kind::terminated, 0, {}});
}

std::optional<Bytes> ServerTransaction::poll_transmit() {
  if (outbox_.empty()) return std::nullopt;
  Bytes b = std::move(outbox_.front());
  outbox_.erase(outbox_.begin());
  return b;
}

std::optional<TransactionEvent> ServerTransaction::poll_event() {
  if (events_.empty()) return std::nullopt;
  TransactionEvent e = std::move(events_.front());
  events_.erase(events_.begin());
  return e;
}

std::optional<Instant> ServerTransaction::poll_timeout() const {
  std::optional<Instant> t;
  for (const auto& c : {retransmit_at_, give_up_at_, end_at_})
    if (c && (!t || *c < *t)) t = c;
  return t;
}

}  // namespace confab::sip
