#pragma once
// SIP transactions (RFC 3261 §17, with RFC 6026's Accepted state), sans-I/O.
//
// A transaction deals in status codes and opaque message bytes: matching a
// message to its transaction (branch, sent-by, method) and building messages
// is the caller's job, so these machines only own what RFC 3261 gives them —
// retransmission, absorbing retransmissions, and the timers A–K (plus L, M).
// Drive them like every machine here: handle_*(now, ...), then drain
// poll_transmit() and poll_event(), and call handle_timeout(now) at poll_timeout().
#include <vector>
#include <optional>

#include "core/bytes.hpp"
#include "core/time.hpp"

namespace confab::sip {

struct TransactionTimers {
  Duration t1 = std::chrono::milliseconds(500);  // RTT estimate
  Duration t2 = std::chrono::seconds(4);         // longest retransmit interval for non-INVITE
  Duration t4 = std::chrono::seconds(5);         // how long a message may stay in the network
  // A proxy's INVITE branch that rings this long without a final answer is
  // cancelled (RFC 3261 §16.6 step 11, "greater than 3 minutes").
  Duration timer_c = std::chrono::seconds(181);
};

enum class TransactionKind : std::uint8_t { invite, non_invite };

enum class TransactionState : std::uint8_t {
  calling,     // INVITE client: request sent, nothing back yet
  trying,      // non-INVITE (client and server): nothing sent back yet
  proceeding,  // a provisional response was seen / sent
  accepted,    // INVITE: a 2xx passed; absorbs 2xx retransmissions (RFC 6026)
  completed,   // a final non-2xx (or, non-INVITE, any final) response
  confirmed,   // INVITE server: the ACK for a non-2xx arrived
  terminated,
};
const char* to_string(TransactionState s);

struct TransactionEvent {
  enum class Kind : std::uint8_t {
    provisional,     // client: a 1xx arrived (bytes = the response)
    final_response,  // client: the first final response (2xx: also each one in Accepted)
    timeout,          // client: Timer B/F (no final response); server: Timer H (no ACK)
    transport_error,  // the transport failed to deliver (treated like a 503 by the TU, §8.1.3.1)
    terminated,      // the transaction is over and can be forgotten
  } kind;
  int status = 0;
  Bytes message;
};

class ClientTransaction {
 public:
  // `request` is sent at once (poll_transmit). Over a reliable transport
  // (TCP/TLS) nothing is retransmitted and the wait states are skipped.
  ClientTransaction(Instant now, TransactionKind kind, Bytes request, bool reliable,
                    TransactionTimers timers = {});

  // A response matched to this transaction.
  void handle_response(Instant now, int status, ByteView response);
  // After a non-2xx final response to an INVITE the caller must build the
  // ACK (RFC 3261 §17.1.1.3) and hand it here; it is sent now and again for
  // every retransmission of that response.
  void send_ack(Bytes ack);
  void handle_transport_error(Instant now);
  void handle_timeout(Instant now);

  std::optional<Bytes> poll_transmit();
  std::optional<TransactionEvent> poll_event();
  std::optional<Instant> poll_timeout() const;

  TransactionState state() const { return state_; }
  bool is_terminated() const { return state_ == TransactionState::terminated; }

 private:
  void terminate();
  void final_response(Instant now, int status, ByteView response);

  TransactionKind kind_;
  bool reliable_;
  TransactionTimers timers_;
  TransactionState state_;
  Bytes request_;
  Bytes ack_;
  std::optional<Instant> retransmit_at_;  // Timer A / E
  Duration retransmit_interval_;
  std::optional<Instant> give_up_at_;     // Timer B / F
  std::optional<Instant> end_at_;         // Timer D / K / M
  // Vectors, not deques: they hold a message or two and are drained at once,
  // and an empty deque costs ~600 bytes — times 100,000s of transactions.
  std::vector<Bytes> outbox_;
  std::vector<TransactionEvent> events_;
};

class ServerTransaction {
 public:
  // Created when a new request arrives. An INVITE server transaction does
  // not send 100 Trying by itself: the TU (a proxy answers at once) does.
  ServerTransaction(Instant now, TransactionKind kind, bool reliable, TransactionTimers timers = {});

  // The same request again (a retransmission): the last response is resent.
  void handle_request_retransmission(Instant now);
  // INVITE only: the ACK for a non-2xx final response.
  void handle_ack(Instant now);
  // The TU's response (any status); the transaction sends and, where the
  // RFC says so, retransmits it.
  void respond(Instant now, int status, Bytes response);
  void handle_transport_error(Instant now);
  void handle_timeout(Instant now);

  std::optional<Bytes> poll_transmit();
  std::optional<TransactionEvent> poll_event();
  std::optional<Instant> poll_timeout() const;

  TransactionState state() const { return state_; }
  bool is_terminated() const { return state_ == TransactionState::terminated; }
  // The TU may only respond while this is true.
  bool can_respond() const {
    return state_ == TransactionState::trying || state_ == TransactionState::proceeding ||
           (state_ == TransactionState::accepted);
  }

 private:
  void terminate();

  TransactionKind kind_;
  bool reliable_;
  TransactionTimers timers_;
  TransactionState state_;
  Bytes last_response_;
  std::optional<Instant> retransmit_at_;  // Timer G
  Duration retransmit_interval_;
  std::optional<Instant> give_up_at_;     // Timer H
  std::optional<Instant> end_at_;         // Timer I / J / L
  // Vectors, not deques: they hold a message or two and are drained at once,
  // and an empty deque costs ~600 bytes — times 100,000s of transactions.
  std::vector<Bytes> outbox_;
  std::vector<TransactionEvent> events_;
};

}  // namespace confab::sip
