// XEP-0191: the block list, its pushes, and what it stops.
#include "router_play.hpp"

using namespace confab::xmpp;
using namespace confab::xmpp::test;

namespace {

// alice and bob are subscribed both ways and online; carol too, a stranger.
class Blocking : public RouterPlay {
 protected:
  void SetUp() override {
    desktop = login("alice@example.com", "desktop");
    phone = login("bob@example.com", "phone");
    carol = login("carol@example.com", "home");
    send(desktop, "<presence to='bob@example.com' type='subscribe'/>");
    send(phone, "<presence to='alice@example.com' type='subscribed'/>");
    send(phone, "<presence to='alice@example.com' type='subscribe'/>");
    send(desktop, "<presence to='bob@example.com' type='subscribed'/>");
    send(desktop, "<iq type='get' id='bl'><blocklist xmlns='urn:xmpp:blocking'/></iq>");
    forget();
  }
  void block(std::string_view jid) {
    send(desktop, "<iq type='set' id='b1'><block xmlns='urn:xmpp:blocking'><item jid='" + std::string(jid) + "'/></block></iq>");
  }
  Client desktop, phone, carol;
};

}  // namespace

TEST_F(Blocking, BlockingPushesTellsTheContactWeLeftAndSilencesThem) {
  block("bob@example.com");
  // §3.3: the push to resources that asked for the list, and the result.
  EXPECT_EQ(inbox(desktop),
            (Lines{"<iq to='alice@example.com/desktop' type='set' id='block'><block xmlns='urn:xmpp:blocking'><item jid='bob@example.com'/></block></iq>",
                   "<presence from='bob@example.com/phone' to='alice@example.com' type='unavailable'/>",
                   "<iq to='alice@example.com/desktop' id='b1' type='result'/>"}));
  // Our unavailable reached bob before the block took effect.
  EXPECT_EQ(inbox(phone), Lines{"<presence from='alice@example.com/desktop' type='unavailable' to='bob@example.com'/>"});

  // §3.2: his messages bounce as if alice were not there; his presence is dropped.
  send(phone, "<message to='alice@example.com' type='chat' id='m'><body>hey</body></message>");
  EXPECT_EQ(inbox(desktop), Lines{});
  auto got = inbox(phone);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_NE(got[0].find("service-unavailable"), std::string::npos);
  send(phone, "<presence><show>away</show></presence>");
  EXPECT_EQ(inbox(desktop), Lines{});
  inbox(phone);  // its own presence, reflected
  send(phone, "<iq type='get' id='q' to='alice@example.com/desktop'><time xmlns='urn:xmpp:time'/></iq>");
  EXPECT_NE(inbox(phone)[0].find("service-unavailable"), std::string::npos);

  // §3.5: alice cannot send to him either, and is told why.
  send(desktop, "<message to='bob@example.com' type='chat' id='m2'><body>x</body></message>");
  EXPECT_EQ(inbox(desktop),
            Lines{"<message from='bob@example.com' to='alice@example.com/desktop' id='m2' type='error'>"
                  "<error type='cancel'><not-acceptable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>"
                  "<blocked xmlns='urn:xmpp:blocking:errors'/></error></message>"});
  EXPECT_EQ(inbox(phone), Lines{});
  // Her presence broadcasts skip him.
  send(desktop, "<presence><show>dnd</show></presence>");
  EXPECT_EQ(inbox(phone), Lines{});
}

TEST_F(Blocking, TheListIsReturnedAndUnblockRestoresPresence) {
  block("bob@example.com");
  block("spam.example");
  forget();
  send(desktop, "<iq type='get' id='bl2'><blocklist xmlns='urn:xmpp:blocking'/></iq>");
  EXPECT_EQ(inbox(desktop), Lines{"<iq to='alice@example.com/desktop' id='bl2' type='result'><blocklist xmlns='urn:xmpp:blocking'>"
                                  "<item jid='bob@example.com'/><item jid='spam.example'/></blocklist></iq>"});
  send(desktop, "<iq type='set' id='u1'><unblock xmlns='urn:xmpp:blocking'><item jid='bob@example.com'/></unblock></iq>");
  EXPECT_EQ(inbox(phone), Lines{"<presence from='alice@example.com/desktop' to='bob@example.com'/>"});
  EXPECT_EQ(inbox(desktop),
            (Lines{"<iq to='alice@example.com/desktop' type='set' id='block'><unblock xmlns='urn:xmpp:blocking'><item jid='bob@example.com'/></unblock></iq>",
                   "<presence from='bob@example.com/phone' to='alice@example.com/desktop'/>",
                   "<iq to='alice@example.com/desktop' id='u1' type='result'/>"}));
  send(phone, "<message to='alice@example.com' type='chat'><body>back</body></message>");
  EXPECT_EQ(inbox(desktop).size(), 1u);
}

TEST_F(Blocking, AnEmptyUnblockClearsTheList) {
  block("bob@example.com");
  block("carol@example.com");
  forget();
  send(desktop, "<iq type='set' id='u'><unblock xmlns='urn:xmpp:blocking'/></iq>");
  EXPECT_EQ(store.blocklist(Jid::parse("alice@example.com").value())->size(), 0u);
  auto got = inbox(desktop);
  ASSERT_FALSE(got.empty());
  EXPECT_EQ(got.back(), "<iq to='alice@example.com/desktop' id='u' type='result'/>");
}

TEST_F(Blocking, ADomainBlockCoversEveryoneThere) {
  block("example.com");
  forget();
  send(carol, "<message to='alice@example.com' type='chat'><body>x</body></message>");
  EXPECT_EQ(inbox(desktop), Lines{});
}

TEST_F(Blocking, AFullJidBlockCoversOnlyThatResource) {
  block("carol@example.com/home");
  Client other = login("carol@example.com", "work");
  forget();
  send(carol, "<message to='alice@example.com' type='chat'><body>1</body></message>");
  send(other, "<message to='alice@example.com' type='chat'><body>2</body></message>");
  auto got = inbox(desktop);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_NE(got[0].find("<body>2</body>"), std::string::npos);
}

TEST_F(Blocking, ABlockedStrangerCannotSubscribe) {
  block("carol@example.com");
  forget();
  send(carol, "<presence to='alice@example.com' type='subscribe'/>");
  EXPECT_EQ(inbox(desktop), Lines{});
}

TEST_F(Blocking, DirectedPresenceToABlockedEntityEnds) {
  send(desktop, "<presence to='carol@example.com'/>");
  forget();
  block("carol@example.com");
  EXPECT_EQ(inbox(carol), Lines{"<presence from='alice@example.com/desktop' to='carol@example.com' type='unavailable'/>"});
  forget();
  close(desktop);
  EXPECT_EQ(inbox(carol), Lines{});
}

TEST_F(Blocking, BadRequestsAreRefused) {
  send(desktop, "<iq type='set' id='e1'><block xmlns='urn:xmpp:blocking'/></iq>");
  EXPECT_NE(inbox(desktop)[0].find("bad-request"), std::string::npos);
  send(desktop, "<iq type='set' id='e2'><block xmlns='urn:xmpp:blocking'><item jid='@@'/></block></iq>");
  EXPECT_NE(inbox(desktop)[0].find("jid-malformed"), std::string::npos);
}
