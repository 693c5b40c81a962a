// The router with federation (remote_route.hpp): what local users send to
// other servers' users leaves through the RemoteRoute, and what comes back
// follows RFC 6121 like local traffic: subscriptions, presence and probes,
// messages (offline storage included), IQs and their errors.
#include <deque>

#include "router_play.hpp"

namespace confab::xmpp::test {
namespace {

// Stands in for the s2s manager: keeps what the router sent, and hands
// the router what the test says arrived from other servers.
class FakeRemote final : public RemoteRoute {
 public:
  void handle_stanza(Instant, const Element& st) override { sent.push_back(text(st)); }
  std::optional<Element> poll_stanza() override {
    if (arrived.empty()) return std::nullopt;
    Element e = std::move(arrived.front());
    arrived.pop_front();
    return e;
  }
  Lines sent;
  std::deque<Element> arrived;
};

class RouterRemoteTest : public RouterPlay {
 protected:
  RouterRemoteTest() { router.set_remote_route(&remote); }

  Lines to_remote() { return std::exchange(remote.sent, {}); }
  void from_remote(std::string_view stanza) {
    remote.arrived.push_back(xml(stanza));
    router.route_from_remote(now);
    drain();
  }

  FakeRemote remote;
};

TEST_F(RouterRemoteTest, AMessageToAnotherServerLeavesThroughTheRemoteRoute) {
  Client alice = login("alice@example.com", "pc");
  send(alice, "<message to='romeo@montague.example' id='m1' type='chat'><body>hi</body></message>");
  EXPECT_EQ(to_remote(), Lines{"<message to='romeo@montague.example' id='m1' type='chat' from='alice@example.com/pc'>"
                               "<body>hi</body></message>"});
  EXPECT_TRUE(inbox(alice).empty());
}

TEST_F(RouterRemoteTest, WithoutARemoteRouteItIsRemoteServerNotFound) {
  router.set_remote_route(nullptr);
  Client alice = login("alice@example.com", "pc");
  send(alice, "<message to='romeo@montague.example' id='m1'><body>hi</body></message>");
  auto got = inbox(alice);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_NE(got[0].find("remote-server-not-found"), std::string::npos);
}

TEST_F(RouterRemoteTest, AMessageFromAnotherServerReachesTheUserOrOfflineStorage) {
  Client alice = login("alice@example.com", "pc");
  from_remote("<message from='romeo@montague.example/balcony' to='alice@example.com' type='chat' id='r1'>"
              "<body>hello</body></message>");
  EXPECT_EQ(inbox(alice), Lines{"<message from='romeo@montague.example/balcony' to='alice@example.com' type='chat' "
                                "id='r1'><body>hello</body></message>"});
  close(alice);
  from_remote("<message from='romeo@montague.example/balcony' to='alice@example.com' type='chat' id='r2'>"
              "<body>later</body></message>");
  EXPECT_EQ(store.offline_count(Jid::parse("alice@example.com").value()).value(), 1u);
  EXPECT_TRUE(to_remote().empty());  // stored, no error back
}

TEST_F(RouterRemoteTest, AnErrorForAStanzaFromAnotherServerGoesBackThere) {
  from_remote("<message from='romeo@montague.example/balcony' to='nobody@example.com' type='chat' id='r1'>"
              "<body>hello</body></message>");
  auto out = to_remote();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_NE(out[0].find("type='error'"), std::string::npos) << out[0];
  EXPECT_NE(out[0].find("to='romeo@montague.example/balcony'"), std::string::npos) << out[0];
  EXPECT_NE(out[0].find("service-unavailable"), std::string::npos) << out[0];
}

TEST_F(RouterRemoteTest, SubscriptionBothWaysThenPresenceAndProbes) {
  Client alice = login("alice@example.com", "pc");
  // alice asks romeo: her roster says pending-out; the request goes out.
  send(alice, "<presence to='romeo@montague.example' type='subscribe'/>");
  EXPECT_EQ(to_remote(), Lines{"<presence to='romeo@montague.example' type='subscribe' from='alice@example.com'/>"});
  forget();
  // romeo's server approves; alice sees the approval and a roster push.
  from_remote("<presence from='romeo@montague.example' to='alice@example.com' type='subscribed'/>");
  bool approved = false;
  for (const auto& l : inbox(alice)) approved |= l.find("subscription='to'") != std::string::npos;
  EXPECT_TRUE(approved);
  // romeo asks alice; she approves: her presence goes to him.
  from_remote("<presence from='romeo@montague.example' to='alice@example.com' type='subscribe'/>");
  send(alice, "<presence to='romeo@montague.example' type='subscribed'/>");
  Lines out = to_remote();
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0], "<presence to='romeo@montague.example' type='subscribed' from='alice@example.com'/>");
  EXPECT_EQ(out[1], "<presence from='alice@example.com/pc' to='romeo@montague.example'/>");
  // Her next broadcast reaches him, and a login probes him.
  send(alice, "<presence><show>away</show></presence>");
  EXPECT_EQ(to_remote(), Lines{"<presence from='alice@example.com/pc' to='romeo@montague.example'><show>away</show></presence>"});
  Client tablet = login("alice@example.com", "tablet");
  Lines login_out = to_remote();
  bool probed = false;
  for (const auto& l : login_out) probed |= l == "<presence from='alice@example.com' to='romeo@montague.example' type='probe'/>";
  EXPECT_TRUE(probed);
  // His presence comes in and reaches both resources.
  forget();
  from_remote("<presence from='romeo@montague.example/balcony' to='alice@example.com'/>");
  EXPECT_EQ(inbox(alice).size(), 1u);
  EXPECT_EQ(inbox(tablet).size(), 1u);
  // His server probes alice: each available resource answers.
  from_remote("<presence from='romeo@montague.example' to='alice@example.com' type='probe'/>");
  EXPECT_EQ(to_remote().size(), 2u);
}

TEST_F(RouterRemoteTest, AProbeFromSomeoneNotSubscribedIsAnsweredUnsubscribed) {
  login("alice@example.com", "pc");
  from_remote("<presence from='mallory@evil.example' to='alice@example.com' type='probe'/>");
  EXPECT_EQ(to_remote(), Lines{"<presence from='alice@example.com' to='mallory@evil.example' type='unsubscribed'/>"});
}

TEST_F(RouterRemoteTest, PingAndDiscoOfTheServerFromAnotherServerAreAnswered) {
  from_remote("<iq from='romeo@montague.example/balcony' to='example.com' type='get' id='p1'>"
              "<ping xmlns='urn:xmpp:ping'/></iq>");
  EXPECT_EQ(to_remote(), Lines{"<iq type='result' from='example.com' to='romeo@montague.example/balcony' id='p1'/>"});
  from_remote("<iq from='romeo@montague.example/balcony' to='example.com' type='get' id='d1'>"
              "<query xmlns='http://jabber.org/protocol/disco#info'/></iq>");
  auto out = to_remote();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_NE(out[0].find("<identity category='server'"), std::string::npos) << out[0];
}

TEST_F(RouterRemoteTest, IqsBetweenUsersCrossBothWays) {
  Client alice = login("alice@example.com", "pc");
  send(alice, "<iq to='romeo@montague.example/balcony' type='get' id='v1'><query xmlns='jabber:iq:version'/></iq>");
  EXPECT_EQ(to_remote().size(), 1u);
  from_remote("<iq from='romeo@montague.example/balcony' to='alice@example.com/pc' type='result' id='v1'/>");
  EXPECT_EQ(inbox(alice), Lines{"<iq from='romeo@montague.example/balcony' to='alice@example.com/pc' type='result' id='v1'/>"});
  // To a resource that is not there: service-unavailable, back to the other server.
  from_remote("<iq from='romeo@montague.example/balcony' to='alice@example.com/gone' type='get' id='v2'>"
              "<ping xmlns='urn:xmpp:ping'/></iq>");
  auto out = to_remote();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_NE(out[0].find("service-unavailable"), std::string::npos) << out[0];
}

TEST_F(RouterRemoteTest, BlockedRemoteSendersAreDropped) {
  Client alice = login("alice@example.com", "pc");
  send(alice, "<iq type='set' id='b1'><block xmlns='urn:xmpp:blocking'><item jid='spam.example'/></block></iq>");
  forget();
  from_remote("<message from='bot@spam.example' to='alice@example.com' type='chat'><body>buy</body></message>");
  EXPECT_TRUE(inbox(alice).empty());
  from_remote("<presence from='bot@spam.example' to='alice@example.com'/>");
  EXPECT_TRUE(inbox(alice).empty());
}

}  // namespace
}  // namespace confab::xmpp::test
