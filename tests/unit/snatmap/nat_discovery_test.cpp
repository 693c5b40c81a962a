// NatDiscovery driven by hand: timers, matching, and answers a well-behaved
// reflector would never send. The full behaviour matrix is in tests/sim.
#include <gtest/gtest.h>

#include "snatmap/nat_discovery.hpp"
#include "stun/message.hpp"

namespace confab::snatmap {
namespace {

using std::chrono::milliseconds;

SocketAddress sa(std::string_view s) { return *SocketAddress::parse(s); }

const SocketAddress server = sa("203.0.113.10:5678");
const SocketAddress other = sa("203.0.113.11:5679");
const SocketAddress socket0 = sa("192.168.1.2:50000");
const SocketAddress mapped = sa("198.51.100.1:40000");

struct Harness {
  explicit Harness(bool hairpin = false) : d(config(hairpin), rng, t0) {}
  static DiscoveryConfig config(bool hairpin) {
    DiscoveryConfig c;
    c.server = server;
    c.sockets = {socket0};
    c.test_hairpinning = hairpin;
    return c;
  }
  Transmit next() {
    auto t = d.poll_transmit();
    EXPECT_TRUE(t.has_value());
    return t ? *t : Transmit{};
  }
  // Answers request `t` with a Binding success response from `from`.
  void answer(const Transmit& t, SocketAddress from, SocketAddress seen, bool with_other = true) {
    auto req = stun::parse(t.bytes);
    ASSERT_TRUE(req.has_value());
    stun::MessageBuilder b(stun::MessageClass::success_response, stun::method::binding, req->transaction_id);
    b.add_xor_address(stun::attr::xor_mapped_address, seen);
    if (with_other) b.add_address(stun::attr::other_address, other);
    Bytes bytes = std::move(b).finish();
    d.handle_datagram(now, Datagram{Transport::udp, t.local, from, bytes});
  }
  // Lets timers run until the current request gives up (and the next test
  // has queued its first request, left for the caller to take).
  void let_time_out() {
    const DiscoveryStep step = d.progress().step;
    while (d.progress().step == step) {
      while (d.poll_transmit()) {
      }  // retransmissions nobody answers
      auto t = d.poll_timeout();
      if (!t) return;
      now = *t;
      d.handle_timeout(now);
    }
  }

  SeededRng rng{42};
  Instant t0 = Instant{} + std::chrono::hours(1);
  Instant now = t0;
  NatDiscovery d;
};

TEST(NatDiscovery, SendsTheFirstBindingRequestFromSocketZeroAtOnce) {
  Harness h;
  Transmit t = h.next();
  EXPECT_EQ(t.local, socket0);
  EXPECT_EQ(t.remote, server);
  auto m = stun::parse(t.bytes);
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->cls, stun::MessageClass::request);
  EXPECT_FALSE(m->change_request().has_value());
  EXPECT_EQ(h.d.progress().step, DiscoveryStep::binding);
  EXPECT_EQ(h.d.progress().transmission, 1);
  EXPECT_STREQ(describe(h.d.progress().step), "asking the server for our mapped address");
  EXPECT_EQ(h.d.poll_timeout(), h.t0 + milliseconds(250));
}

TEST(NatDiscovery, RetransmitsWithADoublingTimeoutAndGivesUpAfterFourRequests) {
  Harness h;
  Transmit first = h.next();
  std::vector<milliseconds> sent_at;
  while (auto t = h.d.poll_timeout()) {
    h.d.handle_timeout(*t);
    if (auto again = h.d.poll_transmit()) {
      EXPECT_EQ(again->bytes, first.bytes);  // same transaction
      sent_at.push_back(std::chrono::duration_cast<milliseconds>(*t - h.t0));
    } else {
      EXPECT_EQ(*t - h.t0, milliseconds(3750));
    }
  }
  EXPECT_EQ(sent_at, (std::vector<milliseconds>{milliseconds(250), milliseconds(750), milliseconds(1750)}));
  EXPECT_TRUE(h.d.is_done());
  EXPECT_EQ(h.d.report().classic, ClassicNat::udp_blocked);
}

TEST(NatDiscovery, IgnoresJunkAndAnswersToOtherTransactions) {
  Harness h;
  Transmit t = h.next();
  const Bytes junk{1, 2, 3, 4};
  h.d.handle_datagram(h.now, Datagram{Transport::udp, socket0, server, junk});
  stun::TransactionId stranger{};
  Bytes other_tx = stun::MessageBuilder(stun::MessageClass::success_response, stun::method::binding, stranger)
                       .add_xor_address(stun::attr::xor_mapped_address, mapped)
                       .finish();
  h.d.handle_datagram(h.now, Datagram{Transport::udp, socket0, server, other_tx});
  h.answer(t, server, mapped);
  EXPECT_EQ(h.d.counters().received, 3u);
  EXPECT_EQ(h.d.counters().ignored, 2u);
  EXPECT_EQ(h.d.progress().step, DiscoveryStep::filtering_change_ip_port);
}

TEST(NatDiscovery, IgnoresAnAnswerArrivingOnASocketItDoesNotOwn) {
  Harness h;
  Transmit t = h.next();
  t.local = sa("192.168.1.2:50009");
  h.answer(t, server, mapped);
  EXPECT_EQ(h.d.counters().ignored, 1u);
  EXPECT_EQ(h.d.progress().step, DiscoveryStep::binding);
}

TEST(NatDiscovery, AChangeIpAnswerFromThePrimaryAddressIsNotedAndProvesNothing) {
  Harness h;
  h.answer(h.next(), server, mapped);
  Transmit change_ip = h.next();
  auto m = stun::parse(change_ip.bytes);
  ASSERT_TRUE(m && m->change_request());
  EXPECT_TRUE(m->change_request()->change_ip);
  h.answer(change_ip, server, mapped);  // the server did not change anything
  ASSERT_EQ(h.d.progress().step, DiscoveryStep::filtering_change_port);
  h.next();
  h.let_time_out();  // change port: silence
  ASSERT_EQ(h.d.progress().step, DiscoveryStep::mapping_other_ip);
  Transmit to_other = h.next();
  EXPECT_EQ(to_other.remote, (SocketAddress{other.ip, server.port}));
  h.answer(to_other, to_other.remote, mapped);
  ASSERT_TRUE(h.d.is_done());
  NatReport r = h.d.report();
  EXPECT_EQ(r.mapping, Mapping::endpoint_independent);
  EXPECT_EQ(r.filtering, Filtering::address_and_port_dependent);
  EXPECT_EQ(r.classic, ClassicNat::port_restricted_cone);
  EXPECT_EQ(r.notes, std::vector<std::string>{
                         "The change-IP-and-port answer came from 203.0.113.10:5678, expected 203.0.113.11:5679: "
                         "the server did not change both, so it proves nothing"});
}

TEST(NatDiscovery, AChangeIpAnswerFromAnUnexpectedAlternateIsNotedButCounts) {
  Harness h;
  h.answer(h.next(), server, mapped);
  h.answer(h.next(), sa("203.0.113.99:7000"), mapped);
  h.answer(h.next(), SocketAddress{other.ip, server.port}, mapped);
  ASSERT_TRUE(h.d.is_done());
  NatReport r = h.d.report();
  EXPECT_EQ(r.filtering, Filtering::endpoint_independent);
  EXPECT_EQ(r.notes, std::vector<std::string>{
                         "The change-IP-and-port answer came from 203.0.113.99:7000, not OTHER-ADDRESS "
                         "203.0.113.11:5679"});
}

TEST(NatDiscovery, AMappedAddressEqualToALocalAddressMeansNoNat) {
  DiscoveryConfig c = Harness::config(true);
  c.sockets = {sa("0.0.0.0:50000")};
  c.local_addresses = {sa("198.51.100.20:1").ip};
  SeededRng rng(1);
  Instant now = Instant{};
  NatDiscovery d(c, rng, now);
  auto t = d.poll_transmit();
  ASSERT_TRUE(t);
  auto req = stun::parse(t->bytes);
  Bytes resp = stun::MessageBuilder(stun::MessageClass::success_response, stun::method::binding, req->transaction_id)
                   .add_xor_address(stun::attr::xor_mapped_address, sa("198.51.100.20:50000"))
                   .finish();
  d.handle_datagram(now, Datagram{Transport::udp, sa("198.51.100.20:50000"), server, resp});
  NatReport r = d.report();
  EXPECT_EQ(r.behind_nat, false);
  EXPECT_EQ(r.local_address, sa("198.51.100.20:50000"));
  EXPECT_FALSE(r.rfc5780);
}

}  // namespace
}  // namespace confab::snatmap
