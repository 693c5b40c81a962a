// XEP-0198 §5: what a session never had acknowledged when it ended for good
// is treated like stanzas to an unavailable resource — another resource or
// offline storage (stamped with when it was first sent) for chat and normal
// messages, an error for IQ requests, nothing for the rest — and nothing
// acknowledged is stored again.
#include "router_play.hpp"
#include "xmpp/delay.hpp"

using namespace confab;
using namespace confab::xmpp;
using namespace confab::xmpp::test;
using namespace std::chrono_literals;

namespace {

class Unacked : public RouterPlay {
 protected:
  // `c`'s session ends with these stanzas (as the router delivered them)
  // unacknowledged, each sent at `sent`.
  void end_with(const Client& c, const std::vector<std::string>& stanzas, Instant sent) {
    std::vector<UnackedStanza> u;
    for (const auto& s : stanzas) u.push_back({xml(s), sent});
    router.session_closed(now, c.session);
    router.unacked_stanzas(now, c.jid, std::move(u));
    drain();
  }

  std::size_t offline(std::string_view account) { return store.offline_count(Jid::parse(account).value()).value(); }
};

TEST_F(Unacked, AChatMessageGoesOfflineWithTheTimeItWasFirstSent) {
  Client bob = login("bob@example.com", "phone");
  Client alice = login("alice@example.com", "desktop");
  now += 10s;
  send(bob, "<message to='alice@example.com/desktop' type='chat' id='m1'><body>hi</body></message>");
  auto delivered = inbox(alice);
  ASSERT_EQ(delivered.size(), 1u);
  // The connection dropped, the resume window passed: 5 minutes later.
  now += 300s;
  store.set_time(std::chrono::system_clock::time_point(std::chrono::seconds(2'000'000'000)));  // "now": not used
  end_with(alice, {delivered[0]}, Instant{} + 10s);
  EXPECT_EQ(router.counters().unacked_rerouted, 1u);
  EXPECT_EQ(offline("alice@example.com"), 1u);
  inbox(bob);  // alice's unavailable presence

  Client again = connect("alice@example.com", "desktop");
  send(again, "<presence/>");
  EXPECT_EQ(inbox(again),
            (Lines{"<presence from='alice@example.com/desktop' to='alice@example.com'/>",
                   "<message to='alice@example.com/desktop' type='chat' id='m1' from='bob@example.com/phone'>"
                   "<body>hi</body>"
                   "<delay xmlns='urn:xmpp:delay' from='example.com' stamp='2001-09-09T01:46:50Z'/></message>"}));
  EXPECT_EQ(inbox(bob), Lines{});  // no error to the sender
}

TEST_F(Unacked, AChatMessageGoesToAnotherAvailableResourceFirst) {
  Client bob = login("bob@example.com", "phone");
  Client phone = login("alice@example.com", "phone");
  Client desktop = login("alice@example.com", "desktop");
  inbox(phone);
  send(bob, "<message to='alice@example.com/phone' type='chat' id='m1'><body>for the phone</body></message>");
  auto delivered = inbox(phone);
  ASSERT_EQ(delivered.size(), 1u);
  end_with(phone, {delivered[0]}, now);
  auto lines = inbox(desktop);
  ASSERT_EQ(lines.size(), 2u);  // the phone's unavailable presence, then the message
  EXPECT_NE(lines[1].find("<body>for the phone</body>"), std::string::npos) << lines[1];
  // Routed as to the bare JID (§8.5.3.2.1); its 'to' is left as it was.
  EXPECT_NE(lines[1].find("to='alice@example.com/phone'"), std::string::npos) << lines[1];
  EXPECT_NE(lines[1].find("<delay xmlns='urn:xmpp:delay' from='example.com'"), std::string::npos) << lines[1];
  EXPECT_EQ(offline("alice@example.com"), 0u);
}

TEST_F(Unacked, AMessageAlreadyStoredOfflineKeepsItsFirstStamp) {
  Client bob = login("bob@example.com", "phone");
  store.set_time(std::chrono::system_clock::time_point(std::chrono::seconds(1031699305)));  // 2002-09-10T23:08:25Z
  send(bob, "<message to='alice@example.com' type='chat' id='m1'><body>while you slept</body></message>");
  Client phone = connect("alice@example.com", "phone");
  send(phone, "<presence/>");  // delivered from offline storage
  auto lines = inbox(phone);
  ASSERT_EQ(lines.size(), 2u);
  // The phone never acknowledged it: back to storage, with the same single stamp.
  now += 60s;
  end_with(phone, {lines[1]}, now - 30s);
  EXPECT_EQ(offline("alice@example.com"), 1u);
  Client later = connect("alice@example.com", "tablet");
  send(later, "<presence/>");
  lines = inbox(later);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_NE(lines[1].find("stamp='2002-09-10T23:08:25Z'"), std::string::npos) << lines[1];
  EXPECT_EQ(lines[1].find("<delay", lines[1].find("<delay") + 1), std::string::npos) << "one stamp only: " << lines[1];
}

TEST_F(Unacked, GroupchatHeadlineErrorCarbonsAndArchiveResultsAreDropped) {
  Client alice = login("alice@example.com", "desktop");
  end_with(alice,
           {"<message from='room@conference.example.com/bob' to='alice@example.com/desktop' type='groupchat'>"
            "<body>in the room</body></message>",
            "<message from='alice@example.com' to='alice@example.com/desktop' type='headline'>"
            "<event xmlns='http://jabber.org/protocol/pubsub#event'/></message>",
            "<message from='bob@example.com/phone' to='alice@example.com/desktop' type='error'>"
            "<error type='cancel'><item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>",
            "<message from='alice@example.com' to='alice@example.com/desktop' type='chat'>"
            "<received xmlns='urn:xmpp:carbons:2'><forwarded xmlns='urn:xmpp:forward:0'>"
            "<message xmlns='jabber:client' from='bob@example.com/phone' to='alice@example.com/laptop' type='chat'>"
            "<body>a copy</body></message></forwarded></received></message>",
            "<message to='alice@example.com/desktop'><result xmlns='urn:xmpp:mam:2' queryid='q' id='1'>"
            "<forwarded xmlns='urn:xmpp:forward:0'><message xmlns='jabber:client' type='chat'><body>old</body>"
            "</message></forwarded></result></message>",
            "<presence from='bob@example.com/phone' to='alice@example.com/desktop'/>",
            "<iq from='bob@example.com/phone' to='alice@example.com/desktop' type='result' id='r1'/>"},
           now);
  EXPECT_EQ(router.counters().unacked_dropped, 7u);
  EXPECT_EQ(router.counters().unacked_rerouted, 0u);
  EXPECT_EQ(offline("alice@example.com"), 0u);
}

TEST_F(Unacked, AnIqRequestIsAnsweredWithServiceUnavailable) {
  Client bob = login("bob@example.com", "phone");
  Client alice = login("alice@example.com", "desktop");
  inbox(bob);
  send(bob, "<iq to='alice@example.com/desktop' type='get' id='v1'><query xmlns='jabber:iq:version'/></iq>");
  auto delivered = inbox(alice);
  ASSERT_EQ(delivered.size(), 1u);
  end_with(alice, {delivered[0]}, now);
  auto lines = inbox(bob);
  ASSERT_EQ(lines.size(), 1u);  // the error (no presence: they do not share it)
  EXPECT_NE(lines[0].find("type='error'"), std::string::npos) << lines[0];
  EXPECT_NE(lines[0].find("id='v1'"), std::string::npos) << lines[0];
  EXPECT_NE(lines[0].find("<service-unavailable"), std::string::npos) << lines[0];
  EXPECT_EQ(router.counters().unacked_bounced, 1u);
}

TEST_F(Unacked, ChatStatesAloneAreNotStored) {
  Client alice = login("alice@example.com", "desktop");
  end_with(alice,
           {"<message from='bob@example.com/phone' to='alice@example.com/desktop' type='chat'>"
            "<composing xmlns='http://jabber.org/protocol/chatstates'/></message>",
            "<message from='bob@example.com/phone' to='alice@example.com/desktop'><body>normal</body></message>"},
           now);
  EXPECT_EQ(offline("alice@example.com"), 1u);  // the normal message; the chat state is dropped (XEP-0085 §5.6)
}

TEST_F(Unacked, NothingIsArchivedASecondTime) {
  // A stand-in extension counting what the router reports as accepted.
  struct Counter : RouterExtension {
    int accepted = 0;
    void message_accepted(Instant, const Jid&, Element&) override { ++accepted; }
  };
  auto counter = std::make_shared<Counter>();
  router.add_extension(counter);
  Client bob = login("bob@example.com", "phone");
  Client alice = login("alice@example.com", "desktop");
  send(bob, "<message to='alice@example.com' type='chat' id='m1'><body>once</body></message>");
  auto delivered = inbox(alice);
  ASSERT_EQ(delivered.size(), 1u);
  EXPECT_EQ(counter->accepted, 1);
  end_with(alice, {delivered[0]}, now);
  EXPECT_EQ(offline("alice@example.com"), 1u);
  EXPECT_EQ(counter->accepted, 1);
}

}  // namespace
