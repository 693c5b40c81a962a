// External components (XEP-0114) in the router: a ComponentLink registered
// while its connection is up, as confabd's component listener does it.
#include "router_play.hpp"
#include "xmpp/component_link.hpp"

namespace confab::xmpp::test {
namespace {

class RouterComponentTest : public RouterPlay {
 protected:
  RouterComponentTest() { EXPECT_TRUE(router.add_component(link)); }

  // What the component's connection would be sent now.
  Lines to_component() {
    Lines out;
    while (auto st = link.poll_outbound()) out.push_back(text(*st));
    return out;
  }

  // The component sends `stanza` (as its session hands it on: jabber:client).
  void from_component(std::string_view stanza) {
    link.from_component(xml(stanza));
    router.route_from_components(now);
    drain();
  }

  void disconnect() {
    link.disconnected();
    router.route_from_components(now);
    router.remove_component(link);
    drain();
  }

  ComponentLink link{"echo.example.com"};
};

TEST_F(RouterComponentTest, AMessageToTheComponentGoesToItsConnection) {
  Client alice = login("alice@example.com", "phone");
  send(alice, "<message to='echo.example.com' id='m1' type='chat'><body>hi</body></message>");
  EXPECT_EQ(to_component(), Lines{"<message to='echo.example.com' id='m1' type='chat' from='alice@example.com/phone'>"
                                  "<body>hi</body></message>"});
  send(alice, "<message to='Bot@Echo.example.com/x'><body>2</body></message>");
  EXPECT_EQ(to_component().size(), 1u);
  EXPECT_TRUE(inbox(alice).empty());
}

TEST_F(RouterComponentTest, TheComponentReachesLocalUsers) {
  Client alice = login("alice@example.com", "phone");
  from_component("<message from='echo.example.com' to='alice@example.com/phone' type='chat' id='e1'>"
                 "<body>echo: hi</body></message>");
  EXPECT_EQ(inbox(alice), Lines{"<message from='echo.example.com' to='alice@example.com/phone' type='chat' id='e1'>"
                                "<body>echo: hi</body></message>"});
  // To the bare JID: RFC 6121 §8.5 like any inbound message.
  from_component("<message from='bot@echo.example.com' to='alice@example.com' type='chat'><body>2</body></message>");
  EXPECT_EQ(inbox(alice).size(), 1u);
  from_component("<iq from='echo.example.com' to='alice@example.com/phone' type='get' id='p1'>"
                 "<ping xmlns='urn:xmpp:ping'/></iq>");
  EXPECT_EQ(inbox(alice), Lines{"<iq from='echo.example.com' to='alice@example.com/phone' type='get' id='p1'>"
                                "<ping xmlns='urn:xmpp:ping'/></iq>"});
}

TEST_F(RouterComponentTest, AnIqRoundTrip) {
  Client alice = login("alice@example.com", "phone");
  send(alice, "<iq to='echo.example.com' type='get' id='v1'><query xmlns='jabber:iq:version'/></iq>");
  ASSERT_EQ(to_component().size(), 1u);
  EXPECT_EQ(link.pending_requests(), 1u);
  from_component("<iq from='echo.example.com' to='alice@example.com/phone' type='result' id='v1'>"
                 "<query xmlns='jabber:iq:version'><name>echo</name></query></iq>");
  EXPECT_EQ(inbox(alice).size(), 1u);
  EXPECT_EQ(link.pending_requests(), 0u);
}

TEST_F(RouterComponentTest, UnansweredRequestsBounceWhenTheComponentGoes) {
  Client alice = login("alice@example.com", "phone");
  send(alice, "<iq to='echo.example.com' type='get' id='v1'><query xmlns='jabber:iq:version'/></iq>");
  to_component();
  disconnect();
  EXPECT_EQ(inbox(alice), Lines{"<iq from='echo.example.com' to='alice@example.com/phone' id='v1' type='error'>"
                                "<error type='cancel'><service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>"
                                "<text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>echo.example.com is not connected"
                                "</text></error></iq>"});
  EXPECT_EQ(link.bounced(), 1u);
}

TEST_F(RouterComponentTest, ADisconnectedComponentsDomainIsServiceUnavailable) {
  Client alice = login("alice@example.com", "phone");
  disconnect();
  send(alice, "<message to='echo.example.com' id='m1' type='chat'><body>hi</body></message>");
  auto got = inbox(alice);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_NE(got[0].find("type='error'><error type='cancel'><service-unavailable"), std::string::npos) << got[0];
  send(alice, "<iq to='bot@echo.example.com/r' type='get' id='q'><ping xmlns='urn:xmpp:ping'/></iq>");
  got = inbox(alice);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_NE(got[0].find("service-unavailable"), std::string::npos) << got[0];
  send(alice, "<presence to='echo.example.com'/>");
  EXPECT_TRUE(inbox(alice).empty());
  EXPECT_TRUE(to_component().empty());
  // Back again: routed to the new connection.
  ComponentLink again("echo.example.com");
  ASSERT_TRUE(router.add_component(again));
  send(alice, "<message to='echo.example.com'><body>back?</body></message>");
  EXPECT_TRUE(inbox(alice).empty());
  EXPECT_TRUE(again.poll_outbound());
  router.remove_component(again);
}

TEST_F(RouterComponentTest, ItIsInTheServersDiscoItemsWhileConnected) {
  Client alice = login("alice@example.com", "phone");
  send(alice, "<iq to='example.com' type='get' id='d1'><query xmlns='http://jabber.org/protocol/disco#items'/></iq>");
  EXPECT_EQ(inbox(alice), Lines{"<iq from='example.com' to='alice@example.com/phone' id='d1' type='result'>"
                                "<query xmlns='http://jabber.org/protocol/disco#items'>"
                                "<item jid='echo.example.com'/></query></iq>"});
  disconnect();
  send(alice, "<iq to='example.com' type='get' id='d2'><query xmlns='http://jabber.org/protocol/disco#items'/></iq>");
  EXPECT_EQ(inbox(alice), Lines{"<iq from='example.com' to='alice@example.com/phone' id='d2' type='result'>"
                                "<query xmlns='http://jabber.org/protocol/disco#items'/></iq>"});
}

TEST_F(RouterComponentTest, RequestsItCannotReachAreAnsweredToTheComponent) {
  Client alice = login("alice@example.com", "phone");
  for (const char* to : {"example.com", "alice@example.com", "someone@elsewhere.example", "bob@example.com/gone"}) {
    if (std::string_view(to) == "bob@example.com/gone") {
      // A full JID that is not online: dropped like any IQ to a gone resource (RFC 6121 §8.5.3.2.1)...
      from_component(std::string("<iq from='echo.example.com' to='") + to + "' type='get' id='x'/>");
      EXPECT_TRUE(to_component().empty());
      continue;
    }
    from_component(std::string("<iq from='echo.example.com' to='") + to + "' type='get' id='x'/>");
    auto got = to_component();
    ASSERT_EQ(got.size(), 1u) << to;
    EXPECT_NE(got[0].find("type='error'><error type='cancel'><service-unavailable"), std::string::npos) << got[0];
  }
  EXPECT_TRUE(inbox(alice).empty());
}

TEST_F(RouterComponentTest, UsersUnavailablePresenceReachesItAfterDirectedPresence) {
  Client alice = login("alice@example.com", "phone");
  send(alice, "<presence to='echo.example.com'/>");
  EXPECT_EQ(to_component().size(), 1u);
  close(alice);
  auto got = to_component();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_NE(got[0].find("type='unavailable'"), std::string::npos) << got[0];
}

}  // namespace
}  // namespace confab::xmpp::test
