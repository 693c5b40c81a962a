// Client transactions, RFC 3261 §17.1 (INVITE: Figure 5, non-INVITE:
// Figure 6), with the Accepted state of RFC 6026 §8.4 for INVITE 2xx.
#include <algorithm>

#include "sip/transaction.hpp"

namespace confab::sip {

const char* to_string(TransactionState s) {
  switch (s) {
    case TransactionState::calling: return "calling";
    case TransactionState::trying: return "trying";
    case TransactionState::proceeding: return "proceeding";
    case TransactionState::accepted: return "accepted";
    case TransactionState::completed: return "completed";
    case TransactionState::confirmed: return "confirmed";
    case TransactionState::terminated: return "terminated";
  }
  return "?";
}

ClientTransaction::ClientTransaction(Instant now, TransactionKind kind, Bytes request, bool reliable,
                                     TransactionTimers timers)
    : kind_(kind),
      reliable_(reliable),
      timers_(timers),
      state_(kind == TransactionKind::invite ? TransactionState::calling : TransactionState::trying),
      request_(std::move(request)),
      retransmit_interval_(timers.t1) {
  outbox_.push_back(request_);
  if (!reliable_) retransmit_at_ = now + timers_.t1;  // Timer A / E
  give_up_at_ = now + 64 * timers_.t1;                // Timer B / F, on every transport
}

void ClientTransaction::handle_response(Instant now, int status, ByteView response) {
  if (state_ == TransactionState::terminated || status < 100) return;
  if (status < 200) {
    if (state_ != TransactionState::calling && state_ != TransactionState::trying &&
        state_ != TransactionState::proceeding)
      return;  // a late provisional after a final response: nothing to do
    state_ = TransactionState::proceeding;
    if (kind_ == TransactionKind::invite) {
      // An INVITE stops retransmitting once anything came back, and Timer B
      // only guards the Calling state: a call may ring for minutes.
      retransmit_at_.reset();
      give_up_at_.reset();
    }
    events_.push_back({TransactionEvent::Kind::provisional, status, Bytes(response.begin(), response.end())});
    return;
  }
  final_response(now, status, response);
}

void ClientTransaction::final_response(Instant now, int status, ByteView response) {
  Bytes copy(response.begin(), response.end());
  const bool fresh = state_ == TransactionState::calling || state_ == TransactionState::trying ||
                     state_ == TransactionState::proceeding;
  if (kind_ == TransactionKind::invite && status < 300) {
    if (fresh) {
      state_ = TransactionState::accepted;
      retransmit_at_.reset();
      give_up_at_.reset();
      end_at_ = now + 64 * timers_.t1;  // Timer M
    }
    // RFC 6026: every 2xx (retransmissions and forks included) goes up to
    // the TU, which ACKs it end to end.
    if (fresh || state_ == TransactionState::accepted)
      events_.push_back({TransactionEvent::Kind::final_response, status, std::move(copy)});
    return;
  }
  if (!fresh) {
    // A retransmitted final response: an INVITE re-sends its ACK (the first
    // one was lost); a non-INVITE just absorbs it.
    if (state_ == TransactionState::completed && kind_ == TransactionKind::invite && !ack_.empty())
      outbox_.push_back(ack_);
    return;
  }
  state_ = TransactionState::completed;
  retransmit_at_.reset();
  give_up_at_.reset();
  if (kind_ == TransactionKind::invite)
    end_at_ = now + (reliable_ ? Duration{} : std::chrono::seconds(32));  // Timer D
  else
    end_at_ = now + (reliable_ ? Duration{} : timers_.t4);  // Timer K
  events_.push_back({TransactionEvent::Kind::final_response, status, std::move(copy)});
}

void ClientTransaction::send_ack(Bytes ack) {
  if (kind_ != TransactionKind::invite || state_ != TransactionState::completed) return;
  ack_ = std::move(ack);
  outbox_.push_back(ack_);
}

void ClientTransaction::handle_transport_error(Instant) {
  if (state_ == TransactionState::terminated) return;
  events_.push_back({TransactionEvent::Kind::transport_error, 503, {}});
  terminate();
}

void ClientTransaction::handle_timeout(Instant now) {
  if (retransmit_at_ && now >= *retransmit_at_) {
    outbox_.push_back(request_);
    if (kind_ == TransactionKind::invite)
      retransmit_interval_ *= 2;  // Timer A doubles without a cap; Timer B ends it
    else if (state_ == TransactionState::proceeding)
      retransmit_interval_ = timers_.t2;
    else
      retransmit_interval_ = std::min(2 * retransmit_interval_, timers_.t2);
    retransmit_at_ = now + retransmit_interval_;
  }
  if (give_up_at_ && now >= *give_up_at_) {
    events_.push_back({TransactionEvent::Kind::timeout, 408, {}});
    terminate();
    return;
  }
  if (end_at_ && now >= *end_at_) terminate();
}

void ClientTransaction::terminate() {
  state_ = TransactionState::terminated;
  retransmit_at_.reset();
  give_up_at_.reset();
  end_at_.reset();
  events_.push_back({TransactionEvent::Kind::terminated, 0, {}});
}

std::optional<Bytes> ClientTransaction::poll_transmit() {
  if (outbox_.empty()) return std::nullopt;
  Bytes b = std::move(outbox_.front());
  outbox_.erase(outbox_.begin());
  return b;
}

std::optional<TransactionEvent> ClientTransaction::poll_event() {
  if (events_.empty()) return std::nullopt;
  TransactionEvent e = std::move(events_.front());
  events_.erase(events_.begin());
  return e;
}

std::optional<Instant> ClientTransaction::poll_timeout() const {
  std::optional<Instant> t;
  for (const auto& c : {retransmit_at_, give_up_at_, end_at_})
    if (c && (!t || *c < *t)) t = c;
  return t;
}

}  // namespace confab::sip
