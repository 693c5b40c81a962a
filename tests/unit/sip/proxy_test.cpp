// The proxy as a play, through the whole server core: Alice and Bob register
// from behind NATs; Alice calls Bob; the INVITE reaches Bob's NAT, not his
// private Contact; responses come back; forks race; Alice hangs up early.
#include <gtest/gtest.h>

#include "sip/parser.hpp"
#include "sip/server_core.hpp"

using namespace confab;
using namespace confab::sip;

namespace {

const Instant t0 = Instant{} + std::chrono::hours(1);
const SocketAddress server = *SocketAddress::parse("203.0.113.10:5060");
const SocketAddress alice_nat = *SocketAddress::parse("198.51.100.2:41000");
const SocketAddress bob_nat = *SocketAddress::parse("198.51.100.3:42000");
const SocketAddress bob2_nat = *SocketAddress::parse("198.51.100.4:43000");

struct Sent {
  SocketAddress to;
  Message m;
};

struct Play {
  SeededRng rng{11};
  ServerCore core;
  Instant now = t0;
  int cseq = 1;

  Play()
      : core(
            [] {
              ServerCoreConfig c;
              c.registrar.nonce_secret = Bytes(32, 1);
              c.registrar.require_authentication = false;  // digest has its own tests
              c.identity = {"203.0.113.10", 5060, 5061};
              return c;
            }(),
            [](std::string_view, std::string_view, DigestAlgorithm) { return std::optional<std::string>{}; }, rng) {}

  std::vector<Sent> feed(const std::string& text, SocketAddress from) {
    core.handle_datagram(now, Datagram{Transport::udp, server, from, as_bytes(text)}, 0);
    return drain();
  }
  std::vector<Sent> drain() {
    std::vector<Sent> out;
    while (auto o = core.poll_transmit()) {
      auto m = parse(o->transmit.bytes);
      EXPECT_TRUE(m) << (m ? "" : m.error().message());
      if (m) out.push_back({o->transmit.remote, std::move(*m)});
    }
    return out;
  }
  void register_device(const std::string& user, const std::string& contact, SocketAddress from) {
    auto out = feed("REGISTER sip:example.org SIP/2.0\r\nVia: SIP/2.0/UDP " + contact +
                        ";branch=z9hG4bKreg" + std::to_string(cseq) + ";rport\r\nMax-Forwards: 70\r\n"
                        "From: <sip:" + user + "@example.org>;tag=r\r\nTo: <sip:" + user + "@example.org>\r\n"
                        "Call-ID: reg-" + contact + "\r\nCSeq: " + std::to_string(cseq++) + " REGISTER\r\n"
                        "Contact: <sip:" + user + "@" + contact + ">\r\nContent-Length: 0\r\n\r\n",
                    from);
    ASSERT_EQ(out.size(), 1u);
    ASSERT_EQ(out[0].m.status, 200);
  }
  static std::string invite(const std::string& ruri, const std::string& branch = "z9hG4bKinv1",
                            const std::string& extra = "") {
    return "INVITE " + ruri + " SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.5:5060;branch=" + branch + ";rport\r\n"
           "Max-Forwards: 70\r\nFrom: <sip:alice@example.org>;tag=a1\r\nTo: <sip:bob@example.org>\r\n"
           "Call-ID: call-1\r\nCSeq: 1 INVITE\r\nContact: <sip:alice@192.0.2.5:5060>\r\n" + extra +
           "Content-Length: 0\r\n\r\n";
  }
  // Bob's device answers the request it was sent.
  static std::string answer(const Message& request, int status, const std::string& tag = "b1") {
    std::string vias;
    for (auto v : request.values(HeaderId::via)) vias += "Via: " + std::string(v) + "\r\n";
    std::string rr;
    for (auto v : request.values(HeaderId::record_route)) rr += "Record-Route: " + std::string(v) + "\r\n";
    return "SIP/2.0 " + std::to_string(status) + " Whatever\r\n" + vias + rr + "From: " +
           std::string(*request.value(HeaderId::from)) + "\r\nTo: " + std::string(*request.value(HeaderId::to)) +
           ";tag=" + tag + "\r\nCall-ID: " + std::string(*request.call_id()) + "\r\nCSeq: " +
           std::to_string(request.cseq()->number) + " " + std::string(request.cseq()->method) + "\r\n" +
           (status == 200 ? "Contact: <sip:bob@192.0.2.9:5060>\r\n" : "") + "Content-Length: 0\r\n\r\n";
  }
};

const Sent* find(const std::vector<Sent>& out, std::string_view method, int status = 0) {
  for (const auto& s : out)
    if ((status && s.m.status == status) || (!status && s.m.is_request() && s.m.method == method)) return &s;
  return nullptr;
}

}  // namespace

TEST(Proxy, AnInviteReachesBobThroughHisNatAndTheAnswerReachesAlice) {
  Play p;
  p.register_device("bob", "192.0.2.9:5060", bob_nat);
  auto out = p.feed(Play::invite("sip:bob@example.org"), alice_nat);
  const Sent* trying = find(out, "", 100);
  const Sent* inv = find(out, "INVITE");
  ASSERT_TRUE(trying && inv);
  EXPECT_EQ(trying->to, alice_nat);
  EXPECT_EQ(inv->to, bob_nat);  // where his REGISTER came from, not 192.0.2.9
  EXPECT_EQ(inv->m.request_uri, "sip:bob@192.0.2.9:5060");
  EXPECT_EQ(inv->m.max_forwards(), 69);
  EXPECT_EQ(inv->m.vias().size(), 2u);
  EXPECT_EQ(inv->m.top_via()->host, "203.0.113.10");
  EXPECT_EQ(inv->m.value(HeaderId::record_route), "<sip:203.0.113.10:5060;transport=udp;lr>");

  auto ringing = p.feed(Play::answer(inv->m, 180), bob_nat);
  ASSERT_EQ(ringing.size(), 1u);
  EXPECT_EQ(ringing[0].to, alice_nat);
  EXPECT_EQ(ringing[0].m.status, 180);
  EXPECT_EQ(ringing[0].m.vias().size(), 1u);  // our Via is gone

  auto ok = p.feed(Play::answer(inv->m, 200), bob_nat);
  ASSERT_EQ(ok.size(), 1u);
  EXPECT_EQ(ok[0].m.status, 200);
  EXPECT_EQ(ok[0].to, alice_nat);
  EXPECT_EQ(ok[0].m.value(HeaderId::record_route), "<sip:203.0.113.10:5060;transport=udp;lr>");
}

TEST(Proxy, TheAckAndByeFollowTheRecordRouteToTheRightNat) {
  Play p;
  p.register_device("alice", "192.0.2.5:5060", alice_nat);
  p.register_device("bob", "192.0.2.9:5060", bob_nat);
  std::string ack =
      "ACK sip:bob@192.0.2.9:5060 SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.5:5060;branch=z9hG4bKack1;rport\r\n"
      "Route: <sip:203.0.113.10:5060;transport=udp;lr>\r\nMax-Forwards: 70\r\n"
      "From: <sip:alice@example.org>;tag=a1\r\nTo: <sip:bob@example.org>;tag=b1\r\n"
      "Call-ID: call-1\r\nCSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n";
  auto out = p.feed(ack, alice_nat);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].to, bob_nat);
  EXPECT_EQ(out[0].m.method, "ACK");
  EXPECT_EQ(out[0].m.count(HeaderId::route), 0u);  // our Route was consumed

  std::string bye =
      "BYE sip:alice@192.0.2.5:5060 SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.9:5060;branch=z9hG4bKbye1;rport\r\n"
      "Route: <sip:203.0.113.10:5060;transport=udp;lr>\r\nMax-Forwards: 70\r\n"
      "From: <sip:bob@example.org>;tag=b1\r\nTo: <sip:alice@example.org>;tag=a1\r\n"
      "Call-ID: call-1\r\nCSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n";
  out = p.feed(bye, bob_nat);
  const Sent* fwd = find(out, "BYE");
  ASSERT_TRUE(fwd);
  EXPECT_EQ(fwd->to, alice_nat);
  auto done = p.feed(Play::answer(fwd->m, 200, "a1"), alice_nat);
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].to, bob_nat);
  EXPECT_EQ(done[0].m.status, 200);
}

TEST(Proxy, ForksToEveryDeviceAndCancelsTheLosersWhenOneAnswers) {
  Play p;
  p.register_device("bob", "192.0.2.9:5060", bob_nat);
  p.register_device("bob", "192.0.2.10:5060", bob2_nat);
  auto out = p.feed(Play::invite("sip:bob@example.org"), alice_nat);
  std::vector<const Sent*> invites;
  for (const auto& s : out)
    if (s.m.is_request() && s.m.method == "INVITE") invites.push_back(&s);
  ASSERT_EQ(invites.size(), 2u);
  const Sent* one = invites[0]->to == bob_nat ? invites[0] : invites[1];
  const Sent* two = invites[0]->to == bob_nat ? invites[1] : invites[0];
  Message one_invite = one->m, two_invite = two->m;
  p.feed(Play::answer(one_invite, 180), bob_nat);
  auto answered = p.feed(Play::answer(two_invite, 200, "b2"), bob2_nat);
  const Sent* ok = find(answered, "", 200);
  const Sent* cancel = find(answered, "CANCEL");
  ASSERT_TRUE(ok && cancel);
  EXPECT_EQ(ok->to, alice_nat);
  EXPECT_EQ(cancel->to, bob_nat);  // the one still ringing
  EXPECT_EQ(cancel->m.top_via()->branch(), one_invite.top_via()->branch());
}

TEST(Proxy, WhenEveryBranchFailsTheBestFailureGoesUpstreamAndEachIsAcked) {
  Play p;
  p.register_device("bob", "192.0.2.9:5060", bob_nat);
  p.register_device("bob", "192.0.2.10:5060", bob2_nat);
  auto out = p.feed(Play::invite("sip:bob@example.org"), alice_nat);
  std::vector<Message> invites;
  for (const auto& s : out)
    if (s.m.is_request()) invites.push_back(s.m);
  auto first = p.feed(Play::answer(invites[0], 486), invites[0].request_uri.find(".9:") != std::string_view::npos ? bob_nat : bob2_nat);
  EXPECT_TRUE(find(first, "ACK"));
  EXPECT_FALSE(find(first, "", 486));  // not yet: the other branch may still answer
  auto second = p.feed(Play::answer(invites[1], 603), bob2_nat);
  const Sent* decline = find(second, "", 603);
  ASSERT_TRUE(decline);
  EXPECT_EQ(decline->to, alice_nat);
}

TEST(Proxy, AliceHangsUpWhileItRingsAndBobsPhoneIsCancelled) {
  Play p;
  p.register_device("bob", "192.0.2.9:5060", bob_nat);
  auto out = p.feed(Play::invite("sip:bob@example.org"), alice_nat);
  Message inv = find(out, "INVITE")->m;
  p.feed(Play::answer(inv, 180), bob_nat);
  std::string cancel =
      "CANCEL sip:bob@example.org SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.5:5060;branch=z9hG4bKinv1;rport\r\n"
      "Max-Forwards: 70\r\nFrom: <sip:alice@example.org>;tag=a1\r\nTo: <sip:bob@example.org>\r\n"
      "Call-ID: call-1\r\nCSeq: 1 CANCEL\r\nContent-Length: 0\r\n\r\n";
  auto c = p.feed(cancel, alice_nat);
  const Sent* cancel_ok = find(c, "", 200);
  const Sent* downstream = find(c, "CANCEL");
  ASSERT_TRUE(cancel_ok && downstream);
  EXPECT_EQ(cancel_ok->to, alice_nat);
  EXPECT_EQ(downstream->to, bob_nat);
  auto terminated = p.feed(Play::answer(inv, 487), bob_nat);
  const Sent* up = find(terminated, "", 487);
  ASSERT_TRUE(up);
  EXPECT_EQ(up->to, alice_nat);
  EXPECT_TRUE(find(terminated, "ACK"));
}

TEST(Proxy, NobodyRegisteredIs480AndAnotherDomainIs404) {
  Play p;
  auto out = p.feed(Play::invite("sip:bob@example.org"), alice_nat);
  EXPECT_TRUE(find(out, "", 480));
  out = p.feed(Play::invite("sip:bob@elsewhere.example", "z9hG4bKinv2"), alice_nat);
  EXPECT_TRUE(find(out, "", 404));
}

TEST(Proxy, MaxForwardsZeroIs483AndALoopIs482) {
  Play p;
  auto out = p.feed(Play::invite("sip:bob@192.0.2.50", "z9hG4bKmf").replace(
                        Play::invite("sip:bob@192.0.2.50", "z9hG4bKmf").find("Max-Forwards: 70"), 16, "Max-Forwards: 0"),
                    alice_nat);
  EXPECT_TRUE(find(out, "", 483));
  // A request to an address is forwarded unchanged; fed back to us, it loops.
  out = p.feed(Play::invite("sip:carol@192.0.2.50", "z9hG4bKloop"), alice_nat);
  const Sent* fwd = find(out, "INVITE");
  ASSERT_TRUE(fwd);
  auto again = p.feed(std::string(serialize(fwd->m)), *SocketAddress::parse("192.0.2.50:5060"));
  EXPECT_TRUE(find(again, "", 482));
}

TEST(Proxy, ABranchThatNeverAnswersEndsIn408) {
  Play p;
  p.register_device("bob", "192.0.2.9:5060", bob_nat);
  p.feed(Play::invite("sip:bob@example.org"), alice_nat);
  p.now = t0 + std::chrono::seconds(33);  // Timer B
  p.core.handle_timeout(p.now);
  auto out = p.drain();
  const Sent* timeout = find(out, "", 408);
  ASSERT_TRUE(timeout);
  EXPECT_EQ(timeout->to, alice_nat);
}

TEST(Proxy, APhoneThatRingsPastTimerCIsCancelledAndTheCallerGets487) {
  Play p;
  p.register_device("bob", "192.0.2.9:5060", bob_nat);
  auto out = p.feed(Play::invite("sip:bob@example.org"), alice_nat);
  Message inv = find(out, "INVITE")->m;
  p.feed(Play::answer(inv, 180), bob_nat);
  // A second 180 two minutes in restarts Timer C (§16.7 step 2)...
  p.now = t0 + std::chrono::seconds(120);
  p.feed(Play::answer(inv, 180), bob_nat);
  p.now = t0 + std::chrono::seconds(200);
  p.core.handle_timeout(p.now);
  EXPECT_FALSE(find(p.drain(), "CANCEL"));
  // ...and 181 s after it, the branch is cancelled (§16.8).
  p.now = t0 + std::chrono::seconds(120 + 182);
  p.core.handle_timeout(p.now);
  auto fired = p.drain();
  const Sent* cancel = find(fired, "CANCEL");
  ASSERT_TRUE(cancel);
  EXPECT_EQ(cancel->to, bob_nat);
  EXPECT_EQ(p.core.proxy_counters().timer_c, 1u);
  auto terminated = p.feed(Play::answer(inv, 487), bob_nat);
  const Sent* up = find(terminated, "", 487);
  ASSERT_TRUE(up);
  EXPECT_EQ(up->to, alice_nat);
}
