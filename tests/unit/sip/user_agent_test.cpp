// Two user agents and confabd's server core in one simulated world: Alice
// and Bob register with digest, Alice calls Bob, Bob rings, answers, hangs
// up; Bob is busy or declines; Alice gives up while it rings; registrations
// are refreshed before they expire. Time is fake and jumps to the next deadline.
#include <gtest/gtest.h>

#include "sip/digest.hpp"
#include "sip/parser.hpp"
#include "sip/server_core.hpp"
#include "sip/user_agent.hpp"

using namespace confab;
using namespace confab::sip;

namespace {

const Instant t0 = Instant{} + std::chrono::hours(1);
const SocketAddress server = *SocketAddress::parse("203.0.113.10:5060");
const SocketAddress alice_addr = *SocketAddress::parse("192.0.2.5:5060");
const SocketAddress bob_addr = *SocketAddress::parse("192.0.2.9:5062");

UaConfig config(std::string user, SocketAddress local, std::string password = "pw-") {
  UaConfig c;
  c.user = user;
  c.domain = "example.org";
  c.password = password == "pw-" ? "pw-" + user : password;
  c.local = local;
  c.server = server;
  c.expires = 600;
  return c;
}

struct World {
  SeededRng core_rng{1}, alice_rng{2}, bob_rng{3};
  ServerCore core;
  UserAgent alice, bob;
  Instant now = t0;
  std::vector<UaEvent> alice_events, bob_events;
  std::vector<Message> wire;  // every message that crossed a link, in order

  explicit World(std::string alice_password = "pw-alice")
      : core(
            [] {
              ServerCoreConfig c;
              c.registrar.nonce_secret = Bytes(32, 7);
              c.registrar.min_expires = 60;
              c.identity = {"203.0.113.10", 5060, 5061};
              return c;
            }(),
            [](std::string_view user, std::string_view realm, DigestAlgorithm a) -> std::optional<std::string> {
              if (user != "alice" && user != "bob") return std::nullopt;
              return compute_ha1(a, user, realm, "pw-" + std::string(user));
            },
            core_rng),
        alice(config("alice", alice_addr, alice_password), alice_rng),
        bob(config("bob", bob_addr), bob_rng) {}

  UserAgent* ua_at(const SocketAddress& a) { return a == alice_addr ? &alice : a == bob_addr ? &bob : nullptr; }

  void note(ByteView bytes) {
    if (auto m = parse(bytes)) wire.push_back(std::move(*m));
  }

  // Delivers everything in flight until nobody has anything to send.
  void settle() {
    for (bool moved = true; moved;) {
      moved = false;
      for (UserAgent* ua : {&alice, &bob}) {
        while (auto t = ua->poll_transmit()) {
          moved = true;
          note(t->bytes);
          if (t->remote == server) core.handle_datagram(now, Datagram{Transport::udp, server, t->local, t->bytes}, 0);
        }
      }
      while (auto o = core.poll_transmit()) {
        moved = true;
        note(o->transmit.bytes);
        if (UserAgent* ua = ua_at(o->transmit.remote))
          ua->handle_datagram(now, Datagram{Transport::udp, o->transmit.remote, server, o->transmit.bytes});
      }
    }
    while (auto e = alice.poll_event()) alice_events.push_back(std::move(*e));
    while (auto e = bob.poll_event()) bob_events.push_back(std::move(*e));
  }

  // Advances fake time to the next deadline at or before `until`, and settles.
  void run_until(Instant until) {
    settle();
    for (;;) {
      std::optional<Instant> next;
      for (auto t : {alice.poll_timeout(), bob.poll_timeout(), core.poll_timeout()})
        if (t && (!next || *t < *next)) next = t;
      if (!next || *next > until) break;
      now = std::max(now, *next);
      alice.handle_timeout(now);
      bob.handle_timeout(now);
      core.handle_timeout(now);
      settle();
    }
    now = std::max(now, until);
  }
  void run_for(Duration d) { run_until(now + d); }

  void register_both() {
    alice.register_now(now);
    bob.register_now(now);
    run_for(1s);
  }

  std::size_t count(std::string_view method) const {
    std::size_t n = 0;
    for (const auto& m : wire) n += m.is_request() && m.method == method;
    return n;
  }
};

bool has(const std::vector<UaEvent>& events, UaEvent::Kind k, int status = 0) {
  for (const auto& e : events)
    if (e.kind == k && (!status || e.status == status)) return true;
  return false;
}

}  // namespace

TEST(UserAgent, RegistersWithDigestAfterOneChallenge) {
  World w;
  w.alice.register_now(w.now);
  w.run_for(1s);
  ASSERT_TRUE(has(w.alice_events, UaEvent::Kind::registered, 200));
  EXPECT_EQ(w.alice_events.back().expires, 600u);
  EXPECT_TRUE(w.alice.is_registered());
  EXPECT_EQ(w.count("REGISTER"), 2u);  // unauthenticated, then with credentials
  EXPECT_EQ(w.core.bindings(), 1u);
  const Message& signed_register = w.wire[2];  // REGISTER, 401, REGISTER, 200
  EXPECT_TRUE(signed_register.find(HeaderId::authorization));
  EXPECT_EQ(signed_register.value(HeaderId::contact), "<sip:alice@192.0.2.5:5060;ob>");
  EXPECT_TRUE(signed_register.top_via()->has_rport());
}

TEST(UserAgent, AWrongPasswordFailsWithoutLooping) {
  World w("not-her-password");
  w.alice.register_now(w.now);
  w.run_for(5s);
  ASSERT_TRUE(has(w.alice_events, UaEvent::Kind::registration_failed));
  EXPECT_FALSE(w.alice.is_registered());
  EXPECT_EQ(w.count("REGISTER"), 2u);
}

TEST(UserAgent, RefreshesTheRegistrationAtEightyPercentOfItsLifetime) {
  World w;
  w.alice.register_now(w.now);
  w.run_for(1s);
  const std::size_t before = w.count("REGISTER");
  w.run_until(t0 + 479s);
  EXPECT_EQ(w.count("REGISTER"), before);
  w.run_until(t0 + 482s);
  EXPECT_GT(w.count("REGISTER"), before);
  w.run_until(t0 + 1300s);  // several lifetimes later the binding is still there
  EXPECT_EQ(w.core.bindings(), 1u);
  EXPECT_TRUE(w.alice.is_registered());
}

TEST(UserAgent, UnregisteringRemovesTheBinding) {
  World w;
  w.register_both();
  ASSERT_EQ(w.core.bindings(), 2u);
  w.alice.unregister(w.now);
  w.run_for(1s);
  EXPECT_TRUE(has(w.alice_events, UaEvent::Kind::unregistered, 200));
  EXPECT_EQ(w.core.bindings(), 1u);
}

TEST(UserAgent, AliceCallsBobWhoRingsAnswersAndHangsUp) {
  World w;
  w.register_both();
  ASSERT_TRUE(w.alice.call(w.now, "sip:bob@example.org"));
  w.run_for(100ms);
  EXPECT_TRUE(has(w.alice_events, UaEvent::Kind::ringing, 180));
  ASSERT_TRUE(has(w.bob_events, UaEvent::Kind::incoming_call));
  EXPECT_EQ(w.bob_events.back().peer, "sip:alice@example.org");
  EXPECT_NE(w.bob_events.back().sdp.find("m=audio 9 RTP/AVP 0"), std::string::npos);

  w.bob.answer(w.now);
  w.run_for(100ms);
  ASSERT_TRUE(has(w.alice_events, UaEvent::Kind::answered, 200));
  EXPECT_TRUE(has(w.bob_events, UaEvent::Kind::answered));  // the ACK reached him
  EXPECT_EQ(w.alice.call_state(), CallState::active);
  EXPECT_EQ(w.bob.call_state(), CallState::active);
  EXPECT_EQ(w.alice.dialog().route_set, std::vector<std::string>{"<sip:203.0.113.10:5060;transport=udp;lr>"});
  EXPECT_EQ(w.alice.dialog().remote_target, "sip:bob@192.0.2.9:5062;ob");

  w.run_for(5s);  // no 2xx retransmissions once the ACK arrived
  const std::size_t oks = w.wire.size();
  w.bob.hang_up(w.now);
  w.run_for(1s);
  EXPECT_GT(w.wire.size(), oks);
  ASSERT_TRUE(has(w.alice_events, UaEvent::Kind::call_ended));
  EXPECT_TRUE(w.alice_events.back().by_peer);
  ASSERT_TRUE(has(w.bob_events, UaEvent::Kind::call_ended, 200));
  EXPECT_FALSE(w.bob_events.back().by_peer);
  EXPECT_EQ(w.alice.call_state(), CallState::idle);
  EXPECT_EQ(w.bob.call_state(), CallState::idle);
}

TEST(UserAgent, CarriesTheMediaLayersOfferAndAnswerEvenAfterADigestChallenge) {
  World w("pw-alice");
  w.register_both();
  const std::string offer = "v=0\r\no=- 1 1 IN IP4 192.0.2.5\r\ns=offer\r\nt=0 0\r\nm=audio 16384 RTP/AVP 111\r\n";
  const std::string answer = "v=0\r\no=- 2 1 IN IP4 192.0.2.9\r\ns=answer\r\nt=0 0\r\nm=audio 16390 RTP/AVP 111\r\n";
  ASSERT_TRUE(w.alice.call(w.now, "sip:bob@example.org", offer));
  w.run_for(100ms);
  ASSERT_TRUE(has(w.bob_events, UaEvent::Kind::incoming_call));
  EXPECT_EQ(w.bob_events.back().sdp, offer);
  w.bob.answer(w.now, answer);
  w.run_for(100ms);
  ASSERT_TRUE(has(w.alice_events, UaEvent::Kind::answered, 200));
  EXPECT_EQ(w.alice_events.back().sdp, answer);
  std::size_t invites_with_offer = 0;
  for (const auto& m : w.wire)
    if (m.is_request() && m.method == "INVITE") invites_with_offer += m.body == offer;
  EXPECT_EQ(invites_with_offer, w.count("INVITE"));  // the one resent with credentials too, if any
}

TEST(UserAgent, AReInviteThroughTheProxyChangesTheSessionAndIsAcked) {
  World w;
  w.register_both();
  ASSERT_TRUE(w.alice.call(w.now, "sip:bob@example.org", std::string("v=0\r\ns=first\r\n")));
  w.run_for(100ms);
  w.bob.answer(w.now, std::string("v=0\r\ns=answer\r\n"));
  w.run_for(100ms);
  ASSERT_EQ(w.alice.call_state(), CallState::active);
  ASSERT_EQ(w.bob.call_state(), CallState::active);

  // Alice puts Bob on hold; Bob answers the new offer.
  ASSERT_TRUE(w.alice.reinvite(w.now, "v=0\r\ns=hold\r\na=sendonly\r\n"));
  EXPECT_FALSE(w.alice.reinvite(w.now, "v=0\r\n"));  // one at a time
  w.run_for(100ms);
  ASSERT_TRUE(has(w.bob_events, UaEvent::Kind::reinvite));
  EXPECT_EQ(w.bob_events.back().sdp, "v=0\r\ns=hold\r\na=sendonly\r\n");
  w.bob.answer_reinvite(w.now, "v=0\r\ns=held\r\na=recvonly\r\n");
  w.run_for(100ms);
  ASSERT_TRUE(has(w.alice_events, UaEvent::Kind::reinvite_answered, 200));
  EXPECT_EQ(w.alice_events.back().sdp, "v=0\r\ns=held\r\na=recvonly\r\n");
  w.run_for(5s);  // Bob's 2xx got its ACK: no retransmissions
  const std::size_t settled = w.wire.size();
  w.run_for(5s);
  EXPECT_EQ(w.wire.size(), settled);

  // Bob's own re-INVITE, refused: the call goes on.
  ASSERT_TRUE(w.bob.reinvite(w.now, "v=0\r\ns=bob\r\n"));
  w.run_for(100ms);
  ASSERT_TRUE(has(w.alice_events, UaEvent::Kind::reinvite));
  w.alice.reject_reinvite(w.now, 488);
  w.run_for(100ms);
  ASSERT_TRUE(has(w.bob_events, UaEvent::Kind::reinvite_failed, 488));
  EXPECT_EQ(w.bob.call_state(), CallState::active);
  EXPECT_EQ(w.alice.call_state(), CallState::active);
  EXPECT_EQ(w.count("INVITE"), 3u * 2u);  // each INVITE crossed two links (via the proxy)

  w.alice.hang_up(w.now);
  w.run_for(1s);
  EXPECT_EQ(w.alice.call_state(), CallState::idle);
  EXPECT_EQ(w.bob.call_state(), CallState::idle);
}

TEST(UserAgent, TheCallerHangsUpWithAByeThroughTheProxy) {
  World w;
  w.register_both();
  w.alice.call(w.now, "sip:bob@example.org");
  w.run_for(100ms);
  w.bob.answer(w.now);
  w.run_for(100ms);
  w.alice.hang_up(w.now);
  w.run_for(1s);
  EXPECT_EQ(w.count("BYE"), 2u);  // Alice to the proxy, the proxy to Bob
  EXPECT_TRUE(has(w.alice_events, UaEvent::Kind::call_ended, 200));
  EXPECT_TRUE(has(w.bob_events, UaEvent::Kind::call_ended));
}

TEST(UserAgent, ABusyCalleeFailsTheCallWith486) {
  World w;
  w.register_both();
  w.alice.call(w.now, "sip:bob@example.org");
  w.run_for(100ms);
  w.bob.decline(w.now, 486);
  w.run_for(1s);
  ASSERT_TRUE(has(w.alice_events, UaEvent::Kind::call_failed, 486));
  EXPECT_EQ(w.alice.call_state(), CallState::idle);
}

TEST(UserAgent, ADeclinedCallFailsWith603) {
  World w;
  w.register_both();
  w.alice.call(w.now, "sip:bob@example.org");
  w.run_for(100ms);
  w.bob.decline(w.now);
  w.run_for(40s);  // and nothing is retransmitted forever
  ASSERT_TRUE(has(w.alice_events, UaEvent::Kind::call_failed, 603));
  EXPECT_TRUE(w.alice.quiescent());
  EXPECT_TRUE(w.bob.quiescent());
}

TEST(UserAgent, CallingSomeoneNotRegisteredFailsWith480) {
  World w;
  w.alice.register_now(w.now);
  w.run_for(1s);
  w.alice.call(w.now, "sip:bob@example.org");
  w.run_for(1s);
  ASSERT_TRUE(has(w.alice_events, UaEvent::Kind::call_failed, 480));
}

TEST(UserAgent, HangingUpWhileItRingsCancelsBobsPhone) {
  World w;
  w.register_both();
  w.alice.call(w.now, "sip:bob@example.org");
  w.run_for(100ms);
  ASSERT_EQ(w.alice.call_state(), CallState::ringing);
  w.alice.hang_up(w.now);
  w.run_for(1s);
  EXPECT_GE(w.count("CANCEL"), 2u);
  ASSERT_TRUE(has(w.bob_events, UaEvent::Kind::call_ended, 487));
  EXPECT_TRUE(w.bob_events.back().by_peer);
  ASSERT_TRUE(has(w.alice_events, UaEvent::Kind::call_ended, 487));
  EXPECT_EQ(w.alice.call_state(), CallState::idle);
  EXPECT_EQ(w.bob.call_state(), CallState::idle);
}

TEST(UserAgent, ASecondCallWhileBusyGets486) {
  World w;
  w.register_both();
  w.alice.call(w.now, "sip:bob@example.org");
  w.run_for(100ms);
  EXPECT_FALSE(w.alice.call(w.now, "sip:bob@example.org"));  // one call at a time
}

TEST(UserAgent, ThePlaceholderSdpIsAMinimalOffer) {
  auto sdp = placeholder_sdp(*IpAddress::parse("192.0.2.5"), 4000, 42);
  EXPECT_EQ(sdp.rfind("v=0\r\no=- 42 1 IN IP4 192.0.2.5\r\ns=confab\r\nc=IN IP4 192.0.2.5\r\nt=0 0\r\n", 0), 0u);
  EXPECT_NE(sdp.find("m=audio 4000 RTP/AVP 0\r\n"), std::string::npos);
  EXPECT_NE(sdp.find("a=sendrecv\r\n"), std::string::npos);
}
