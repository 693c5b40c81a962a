// RFC 6121 §5 and §8.5: message routing by resource and priority, offline
// storage (XEP-0160) and its delivery after initial presence with a delay
// stamp (XEP-0203), and the errors of RFC 6120 §8.3.
#include "router_play.hpp"

using namespace confab::xmpp;
using namespace confab::xmpp::test;

namespace {

class Messages : public RouterPlay {};

std::string chat(std::string_view to, std::string_view body) {
  return "<message to='" + std::string(to) + "' type='chat' id='m1'><body>" + std::string(body) + "</body></message>";
}

}  // namespace

TEST_F(Messages, AFullJidReachesThatResourceOnly) {
  Client desktop = login("alice@example.com", "desktop", 5);
  Client laptop = login("alice@example.com", "laptop", 1);
  Client bob = login("bob@example.com", "phone");
  forget();
  send(bob, chat("alice@example.com/laptop", "psst"));
  EXPECT_EQ(inbox(laptop), Lines{"<message to='alice@example.com/laptop' type='chat' id='m1' from='bob@example.com/phone'><body>psst</body></message>"});
  EXPECT_EQ(inbox(desktop), Lines{});
}

TEST_F(Messages, ABareJidReachesTheHighestPriority) {
  Client desktop = login("alice@example.com", "desktop", 5);
  Client laptop = login("alice@example.com", "laptop", 1);
  Client bob = login("bob@example.com", "phone");
  forget();
  send(bob, chat("alice@example.com", "hello"));
  EXPECT_EQ(inbox(desktop).size(), 1u);
  EXPECT_EQ(inbox(laptop).size(), 0u);
}

TEST_F(Messages, EqualHighestPrioritiesAllGetIt) {
  Client desktop = login("alice@example.com", "desktop", 3);
  Client laptop = login("alice@example.com", "laptop", 3);
  Client bob = login("bob@example.com", "phone");
  forget();
  send(bob, chat("alice@example.com", "hello"));
  EXPECT_EQ(inbox(desktop).size(), 1u);
  EXPECT_EQ(inbox(laptop).size(), 1u);
}

TEST_F(Messages, AMissingResourceFallsBackToTheBareJid) {
  Client desktop = login("alice@example.com", "desktop");
  Client bob = login("bob@example.com", "phone");
  forget();
  send(bob, chat("alice@example.com/gone", "hello"));  // §8.5.3.2.1
  EXPECT_EQ(inbox(desktop), Lines{"<message to='alice@example.com/gone' type='chat' id='m1' from='bob@example.com/phone'><body>hello</body></message>"});
}

TEST_F(Messages, HeadlinesGoToEveryNonNegativeResource) {
  Client desktop = login("alice@example.com", "desktop", 5);
  Client laptop = login("alice@example.com", "laptop", 0);
  Client hidden = login("alice@example.com", "hidden", -1);
  Client bob = login("bob@example.com", "phone");
  forget();
  send(bob, "<message to='alice@example.com' type='headline'><body>news</body></message>");
  EXPECT_EQ(inbox(desktop).size(), 1u);
  EXPECT_EQ(inbox(laptop).size(), 1u);
  EXPECT_EQ(inbox(hidden).size(), 0u);
}

TEST_F(Messages, NegativePriorityNeverGetsBareJidMessagesAndTheyAreStored) {
  Client hidden = login("alice@example.com", "hidden", -1);
  Client bob = login("bob@example.com", "phone");
  forget();
  send(bob, chat("alice@example.com", "later"));
  EXPECT_EQ(inbox(hidden), Lines{});
  EXPECT_EQ(store.offline_count(Jid::parse("alice@example.com").value()).value(), 1u);
  // Raising the priority to non-negative delivers them (XEP-0160).
  send(hidden, "<presence><priority>1</priority></presence>");
  auto got = inbox(hidden);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_NE(got[1].find("<body>later</body>"), std::string::npos);
}

TEST_F(Messages, AnOfflineMessageIsDeliveredAfterInitialPresenceWithADelayStamp) {
  Client bob = login("bob@example.com", "phone");
  store.set_time(std::chrono::system_clock::time_point(std::chrono::seconds(1031699305)));
  send(bob, chat("alice@example.com", "Art thou not Romeo?"));
  EXPECT_EQ(inbox(bob), Lines{});  // stored, no error
  EXPECT_EQ(router.counters().messages_stored, 1u);
  Client desktop = connect("alice@example.com", "desktop");
  send(desktop, "<iq type='get' id='r'><query xmlns='jabber:iq:roster'/></iq>");
  EXPECT_EQ(inbox(desktop).size(), 1u);  // the roster: no message before presence
  send(desktop, "<presence/>");
  EXPECT_EQ(inbox(desktop),
            (Lines{"<presence from='alice@example.com/desktop' to='alice@example.com'/>",
                   "<message to='alice@example.com' type='chat' id='m1' from='bob@example.com/phone'>"
                   "<body>Art thou not Romeo?</body>"
                   "<delay xmlns='urn:xmpp:delay' from='example.com' stamp='2002-09-10T23:08:25Z'/></message>"}));
  EXPECT_EQ(store.offline_count(Jid::parse("alice@example.com").value()).value(), 0u);
  // Delivered once: a second resource gets nothing more.
  Client laptop = login("alice@example.com", "laptop");
  EXPECT_EQ(inbox(laptop), Lines{});
}

TEST_F(Messages, ManyOfflineMessagesArriveInOrder) {
  Client bob = login("bob@example.com", "phone");
  for (int i = 0; i < 250; ++i) send(bob, chat("alice@example.com", std::to_string(i)));
  Client desktop = connect("alice@example.com", "desktop");
  send(desktop, "<presence/>");
  auto got = inbox(desktop);
  ASSERT_EQ(got.size(), 251u);
  for (int i = 0; i < 250; ++i)
    EXPECT_NE(got[static_cast<std::size_t>(i) + 1].find("<body>" + std::to_string(i) + "</body>"), std::string::npos);
}

TEST_F(Messages, OnlyChatAndNormalAreStored) {
  Client bob = login("bob@example.com", "phone");
  send(bob, "<message to='alice@example.com' type='headline'><body>news</body></message>");  // dropped
  send(bob, "<message to='alice@example.com' type='error'><body>x</body></message>");        // dropped
  send(bob, "<message to='alice@example.com' type='groupchat' id='g'><body>x</body></message>");
  auto got = inbox(bob);
  ASSERT_EQ(got.size(), 1u);  // §8.5.2.2.1: groupchat gets service-unavailable
  EXPECT_NE(got[0].find("service-unavailable"), std::string::npos);
  send(bob, "<message to='alice@example.com'><body>normal</body></message>");
  EXPECT_EQ(store.offline_count(Jid::parse("alice@example.com").value()).value(), 1u);
}

TEST_F(Messages, ChatStatesAloneAreNotStored) {
  Client bob = login("bob@example.com", "phone");
  send(bob, "<message to='alice@example.com' type='chat'><composing xmlns='http://jabber.org/protocol/chatstates'/></message>");
  send(bob, "<message to='alice@example.com' type='chat'><body>x</body><no-store xmlns='urn:xmpp:hints'/></message>");
  EXPECT_EQ(inbox(bob), Lines{});
  EXPECT_EQ(store.offline_count(Jid::parse("alice@example.com").value()).value(), 0u);
  EXPECT_EQ(router.counters().messages_dropped, 2u);
}

TEST_F(Messages, AFullOfflineStoreBouncesWithServiceUnavailable) {
  MemoryXmppStore small({.max_messages = 2, .max_stanza_bytes = 65536});
  small.add_account(Jid::parse("alice@example.com").value());
  small.add_account(Jid::parse("bob@example.com").value());
  Router r(config(), small, rng);
  ASSERT_TRUE(r.bind(1, Jid::parse("bob@example.com").value(), "phone"));
  for (int i = 0; i < 3; ++i)
    r.handle_stanza(now, 1, xml(chat("alice@example.com", std::to_string(i))));
  auto d = r.poll_delivery();
  ASSERT_TRUE(d);
  EXPECT_EQ(text(d->stanza),
            "<message from='alice@example.com' to='bob@example.com/phone' id='m1' type='error'><error type='cancel'>"
            "<service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>"
            "<text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>the offline store of alice@example.com is full</text>"
            "</error></message>");
  EXPECT_FALSE(r.poll_delivery());
}

TEST_F(Messages, AStoreFailureIsAnInternalServerError) {
  Client bob = login("bob@example.com", "phone");
  store.set_failing(true);
  send(bob, chat("alice@example.com", "x"));
  auto got = inbox(bob);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_NE(got[0].find("<error type='wait'><internal-server-error"), std::string::npos);
  EXPECT_GE(router.counters().store_errors, 1u);
}

TEST_F(Messages, NoSuchUserIsServiceUnavailable) {
  Client bob = login("bob@example.com", "phone");
  send(bob, chat("nobody@example.com", "x"));
  EXPECT_EQ(inbox(bob),
            Lines{"<message from='nobody@example.com' to='bob@example.com/phone' id='m1' type='error'><error type='cancel'>"
                  "<service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>"});
}

TEST_F(Messages, AnotherDomainIsRemoteServerNotFound) {
  Client bob = login("bob@example.com", "phone");
  send(bob, chat("juliet@capulet.example", "x"));
  auto got = inbox(bob);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_NE(got[0].find("<error type='cancel'><remote-server-not-found"), std::string::npos);
}

TEST_F(Messages, AMalformedAddressIsJidMalformed) {
  Client bob = login("bob@example.com", "phone");
  send(bob, chat("a@b@example.com", "x"));
  auto got = inbox(bob);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_NE(got[0].find("<error type='modify'><jid-malformed"), std::string::npos);
}

TEST_F(Messages, AnErrorIsNeverAnsweredWithAnError) {
  Client bob = login("bob@example.com", "phone");
  send(bob, "<message to='nobody@example.com' type='error'><body>x</body></message>");
  send(bob, "<message to='juliet@capulet.example' type='error'/>");
  EXPECT_EQ(inbox(bob), Lines{});
}

TEST_F(Messages, AMessageWithoutToGoesToTheSendersOwnAccount) {
  Client desktop = login("alice@example.com", "desktop");
  Client laptop = login("alice@example.com", "laptop");
  forget();
  send(desktop, "<message type='chat'><body>note to self</body></message>");
  EXPECT_EQ(inbox(laptop), Lines{"<message type='chat' from='alice@example.com/desktop' to='alice@example.com'><body>note to self</body></message>"});
}

TEST_F(Messages, AMessageToTheServerIsServiceUnavailable) {
  Client bob = login("bob@example.com", "phone");
  send(bob, "<message to='example.com' id='s'><body>hi server</body></message>");
  auto got = inbox(bob);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_NE(got[0].find("service-unavailable"), std::string::npos);
}
