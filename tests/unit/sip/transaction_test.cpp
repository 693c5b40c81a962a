// SIP transaction timers (RFC 3261 §17) driven by a fake clock that always
// jumps to the machine's next deadline: 32 seconds of protocol in microseconds.
#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "sip/transaction.hpp"

using namespace confab;
using namespace confab::sip;
using std::chrono::milliseconds;
using std::chrono::seconds;

namespace {

const Instant t0 = Instant{} + std::chrono::hours(1);
Bytes msg(const char* s) { return Bytes(s, s + std::char_traits<char>::length(s)); }
double secs(Instant t) { return std::chrono::duration<double>(t - t0).count(); }

// Runs a machine until `until`, recording when each transmit left and every event.
template <class Machine>
struct Driver {
  explicit Driver(Machine& machine) : m(machine) {}
  Machine& m;
  std::vector<std::pair<double, Bytes>> sent;
  std::vector<std::pair<double, TransactionEvent>> events;
  Instant now = t0;

  void drain() {
    while (auto t = m.poll_transmit()) sent.emplace_back(secs(now), std::move(*t));
    while (auto e = m.poll_event()) events.emplace_back(secs(now), std::move(*e));
  }
  void until(Instant limit) {
    drain();
    while (auto d = m.poll_timeout()) {
      if (*d > limit) break;
      now = *d;
      m.handle_timeout(now);
      drain();
    }
    now = limit;
  }
  std::vector<double> send_times() const {
    std::vector<double> v;
    for (const auto& [t, b] : sent) v.push_back(t);
    return v;
  }
  bool has(TransactionEvent::Kind k) const {
    for (const auto& [t, e] : events)
      if (e.kind == k) return true;
    return false;
  }
};

}  // namespace

TEST(InviteClientTransaction, RetransmitsWithTimerADoublingAndGivesUpAtTimerB) {
  ClientTransaction tx(t0, TransactionKind::invite, msg("INVITE"), false);
  Driver<ClientTransaction> run(tx);
  run.until(t0 + seconds(40));
  EXPECT_EQ(run.send_times(), (std::vector<double>{0, 0.5, 1.5, 3.5, 7.5, 15.5, 31.5}));
  ASSERT_TRUE(run.has(TransactionEvent::Kind::timeout));
  EXPECT_EQ(run.events.front().first, 32.0);  // 64 × T1
  EXPECT_TRUE(tx.is_terminated());
}

TEST(NonInviteClientTransaction, RetransmitsWithTimerECappedAtT2AndGivesUpAtTimerF) {
  ClientTransaction tx(t0, TransactionKind::non_invite, msg("REGISTER"), false);
  Driver<ClientTransaction> run(tx);
  run.until(t0 + seconds(40));
  EXPECT_EQ(run.send_times(), (std::vector<double>{0, 0.5, 1.5, 3.5, 7.5, 11.5, 15.5, 19.5, 23.5, 27.5, 31.5}));
  EXPECT_TRUE(run.has(TransactionEvent::Kind::timeout));
}

TEST(NonInviteClientTransaction, InProceedingRetransmitsEveryT2) {
  ClientTransaction tx(t0, TransactionKind::non_invite, msg("OPTIONS"), false);
  Driver<ClientTransaction> run(tx);
  run.until(t0 + milliseconds(100));
  tx.handle_response(run.now, 100, msg("SIP/2.0 100 Trying"));
  run.until(t0 + seconds(10));
  EXPECT_EQ(run.send_times(), (std::vector<double>{0, 0.5, 4.5, 8.5}));
  EXPECT_EQ(tx.state(), TransactionState::proceeding);
}

TEST(InviteClientTransaction, AProvisionalStopsRetransmissionsAndTimerB) {
  ClientTransaction tx(t0, TransactionKind::invite, msg("INVITE"), false);
  Driver<ClientTransaction> run(tx);
  run.until(t0 + seconds(1));
  tx.handle_response(run.now, 180, msg("SIP/2.0 180 Ringing"));
  run.until(t0 + seconds(120));  // ringing for two minutes is fine
  EXPECT_EQ(run.send_times(), (std::vector<double>{0, 0.5}));
  EXPECT_EQ(tx.state(), TransactionState::proceeding);
  EXPECT_FALSE(run.has(TransactionEvent::Kind::timeout));
  EXPECT_EQ(run.events.front().second.kind, TransactionEvent::Kind::provisional);
  EXPECT_EQ(run.events.front().second.status, 180);
}

TEST(InviteClientTransaction, ANon2xxFinalIsAckedAndTheAckIsRepeatedForRetransmissions) {
  ClientTransaction tx(t0, TransactionKind::invite, msg("INVITE"), false);
  Driver<ClientTransaction> run(tx);
  tx.handle_response(t0, 486, msg("SIP/2.0 486 Busy Here"));
  run.drain();
  ASSERT_EQ(run.events.back().second.kind, TransactionEvent::Kind::final_response);
  EXPECT_EQ(run.events.back().second.status, 486);
  tx.send_ack(msg("ACK"));
  tx.handle_response(t0 + seconds(1), 486, msg("SIP/2.0 486 Busy Here"));
  run.until(t0 + seconds(40));
  ASSERT_EQ(run.sent.size(), 3u);
  EXPECT_EQ(run.sent[1].second, msg("ACK"));
  EXPECT_EQ(run.sent[2].second, msg("ACK"));
  EXPECT_EQ(run.events.back().first, 32.0);  // Timer D
  EXPECT_TRUE(tx.is_terminated());
  EXPECT_EQ(std::count_if(run.events.begin(), run.events.end(),
                          [](auto& e) { return e.second.kind == TransactionEvent::Kind::final_response; }),
            1);  // the retransmission is absorbed
}

TEST(InviteClientTransaction, Every2xxGoesToTheTuUntilTimerM) {
  ClientTransaction tx(t0, TransactionKind::invite, msg("INVITE"), false);
  Driver<ClientTransaction> run(tx);
  tx.handle_response(t0, 200, msg("SIP/2.0 200 OK"));
  tx.handle_response(t0 + seconds(1), 200, msg("SIP/2.0 200 OK"));
  run.until(t0 + seconds(40));
  EXPECT_EQ(std::count_if(run.events.begin(), run.events.end(),
                          [](auto& e) { return e.second.kind == TransactionEvent::Kind::final_response; }),
            2);
  EXPECT_EQ(run.events.back().first, 32.0);  // Timer M
  EXPECT_EQ(run.send_times().size(), 1u);    // no ACK from the transaction: the TU ACKs a 2xx
}

TEST(ClientTransaction, OverAReliableTransportNothingIsRetransmittedButTimerBStillRuns) {
  ClientTransaction tx(t0, TransactionKind::invite, msg("INVITE"), true);
  Driver<ClientTransaction> run(tx);
  run.until(t0 + seconds(40));
  EXPECT_EQ(run.send_times(), std::vector<double>{0});
  EXPECT_TRUE(run.has(TransactionEvent::Kind::timeout));
}

TEST(NonInviteClientTransaction, OverAReliableTransportAFinalResponseEndsItAtOnce) {
  ClientTransaction tx(t0, TransactionKind::non_invite, msg("REGISTER"), true);
  Driver<ClientTransaction> run(tx);
  tx.handle_response(t0, 200, msg("SIP/2.0 200 OK"));
  run.until(t0);
  EXPECT_TRUE(tx.is_terminated());
}

TEST(NonInviteClientTransaction, LingersForTimerKOverUdpAbsorbingRetransmissions) {
  ClientTransaction tx(t0, TransactionKind::non_invite, msg("REGISTER"), false);
  Driver<ClientTransaction> run(tx);
  tx.handle_response(t0, 401, msg("SIP/2.0 401 Unauthorized"));
  tx.handle_response(t0 + seconds(1), 401, msg("SIP/2.0 401 Unauthorized"));
  run.until(t0 + seconds(10));
  EXPECT_EQ(run.events.back().first, 5.0);  // T4
  EXPECT_EQ(std::count_if(run.events.begin(), run.events.end(),
                          [](auto& e) { return e.second.kind == TransactionEvent::Kind::final_response; }),
            1);
}

TEST(ClientTransaction, ATransportErrorEndsItAndTellsTheTu) {
  ClientTransaction tx(t0, TransactionKind::invite, msg("INVITE"), true);
  Driver<ClientTransaction> run(tx);
  tx.handle_transport_error(t0);
  run.drain();
  EXPECT_TRUE(run.has(TransactionEvent::Kind::transport_error));
  EXPECT_TRUE(tx.is_terminated());
}

TEST(InviteServerTransaction, RetransmitsANon2xxWithTimerGUntilTheAck) {
  ServerTransaction tx(t0, TransactionKind::invite, false);
  Driver<ServerTransaction> run(tx);
  tx.respond(t0, 486, msg("SIP/2.0 486 Busy Here"));
  run.until(t0 + seconds(5));
  tx.handle_ack(run.now);
  EXPECT_EQ(tx.state(), TransactionState::confirmed);
  run.until(t0 + seconds(20));
  EXPECT_EQ(run.send_times(), (std::vector<double>{0, 0.5, 1.5, 3.5}));
  EXPECT_TRUE(tx.is_terminated());
  EXPECT_EQ(run.events.back().first, 10.0);  // Timer I = T4 after the ACK
  EXPECT_FALSE(run.has(TransactionEvent::Kind::timeout));
}

TEST(InviteServerTransaction, WithoutAnAckTimerHGivesUp) {
  ServerTransaction tx(t0, TransactionKind::invite, false);
  Driver<ServerTransaction> run(tx);
  tx.respond(t0, 404, msg("SIP/2.0 404 Not Found"));
  run.until(t0 + seconds(40));
  EXPECT_TRUE(run.has(TransactionEvent::Kind::timeout));
  EXPECT_EQ(run.events.front().first, 32.0);
  EXPECT_EQ(run.send_times().back(), 31.5);  // G doubles to T2, then every 4 s
}

TEST(InviteServerTransaction, ARetransmittedInviteGetsTheLastProvisionalAgain) {
  ServerTransaction tx(t0, TransactionKind::invite, false);
  Driver<ServerTransaction> run(tx);
  tx.handle_request_retransmission(t0);  // nothing sent yet: nothing to repeat
  tx.respond(t0, 180, msg("SIP/2.0 180 Ringing"));
  tx.handle_request_retransmission(t0 + seconds(1));
  run.drain();
  ASSERT_EQ(run.sent.size(), 2u);
  EXPECT_EQ(run.sent[1].second, msg("SIP/2.0 180 Ringing"));
}

TEST(InviteServerTransaction, After2xxItAbsorbsRetransmissionsUntilTimerL) {
  ServerTransaction tx(t0, TransactionKind::invite, false);
  Driver<ServerTransaction> run(tx);
  tx.respond(t0, 200, msg("SIP/2.0 200 OK"));
  tx.handle_request_retransmission(t0 + seconds(1));
  tx.respond(t0 + seconds(2), 200, msg("SIP/2.0 200 OK"));  // the TU's own 2xx retransmission
  tx.respond(t0 + seconds(3), 486, msg("SIP/2.0 486 Busy Here"));  // too late: ignored
  run.until(t0 + seconds(40));
  EXPECT_EQ(run.send_times(), (std::vector<double>{0, 0}));
  EXPECT_EQ(run.events.back().first, 32.0);
}

TEST(NonInviteServerTransaction, RepeatsItsFinalResponseAndEndsAtTimerJ) {
  ServerTransaction tx(t0, TransactionKind::non_invite, false);
  Driver<ServerTransaction> run(tx);
  tx.handle_request_retransmission(t0);  // Trying: nothing to repeat
  tx.respond(t0, 200, msg("SIP/2.0 200 OK"));
  tx.handle_request_retransmission(t0 + seconds(3));
  run.until(t0 + seconds(40));
  EXPECT_EQ(run.sent.size(), 2u);
  EXPECT_EQ(run.events.back().first, 32.0);
  EXPECT_FALSE(tx.can_respond());
}

TEST(NonInviteServerTransaction, OverAReliableTransportItEndsWithTheFinalResponse) {
  ServerTransaction tx(t0, TransactionKind::non_invite, true);
  Driver<ServerTransaction> run(tx);
  tx.respond(t0, 100, msg("SIP/2.0 100 Trying"));
  EXPECT_EQ(tx.state(), TransactionState::proceeding);
  tx.respond(t0, 200, msg("SIP/2.0 200 OK"));
  run.until(t0);
  EXPECT_TRUE(tx.is_terminated());
}
