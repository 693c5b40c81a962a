// XEP-0049 private XML storage, kept in private PEP nodes (XEP-0223): set
// and get back, the empty element when nothing is stored, the refusals of
// §3.3, nobody else's data, and legacy bookmarks visible through PEP.
#include "router_play.hpp"
#include "xmpp/pep.hpp"

using namespace confab;
using namespace confab::xmpp;
using namespace confab::xmpp::test;

namespace {

class PrivateXml : public RouterPlay {
 protected:
  PrivateXml() {
    PepConfig pc;
    pc.wall_clock = [](Instant) { return std::chrono::system_clock::time_point(std::chrono::seconds(1700000000)); };
    register_pep(router, store, rng, std::move(pc));
  }
};

const std::string bookmarks =
    "<storage xmlns='storage:bookmarks'><conference jid='council@conference.example.com' autojoin='true'>"
    "<nick>Alice</nick></conference></storage>";

TEST_F(PrivateXml, StoresAndReturnsDataByNamespace) {
  Client alice = login("alice@example.com", "desktop");
  send(alice, "<iq type='get' id='g0'><query xmlns='jabber:iq:private'><storage xmlns='storage:bookmarks'/></query></iq>");
  EXPECT_EQ(inbox(alice), Lines{"<iq to='alice@example.com/desktop' id='g0' type='result'>"
                                "<query xmlns='jabber:iq:private'><storage xmlns='storage:bookmarks'/></query></iq>"});
  send(alice, "<iq type='set' id='s1'><query xmlns='jabber:iq:private'>" + bookmarks + "</query></iq>");
  EXPECT_EQ(inbox(alice), Lines{"<iq to='alice@example.com/desktop' id='s1' type='result'/>"});
  // Another resource reads it back.
  Client phone = login("alice@example.com", "phone");
  inbox(alice);
  send(phone, "<iq type='get' id='g1'><query xmlns='jabber:iq:private'><storage xmlns='storage:bookmarks'/></query></iq>");
  EXPECT_EQ(inbox(phone), Lines{"<iq to='alice@example.com/phone' id='g1' type='result'>"
                                "<query xmlns='jabber:iq:private'>" + bookmarks + "</query></iq>"});
  // A second set replaces it.
  send(phone, "<iq type='set' id='s2'><query xmlns='jabber:iq:private'><storage xmlns='storage:bookmarks'/></query></iq>");
  inbox(phone);
  send(phone, "<iq type='get' id='g2'><query xmlns='jabber:iq:private'><storage xmlns='storage:bookmarks'/></query></iq>");
  EXPECT_EQ(inbox(phone), Lines{"<iq to='alice@example.com/phone' id='g2' type='result'>"
                                "<query xmlns='jabber:iq:private'><storage xmlns='storage:bookmarks'/></query></iq>"});
}

TEST_F(PrivateXml, IsTheSameDataAsThePrivatePepNode) {
  Client alice = login("alice@example.com", "desktop");
  send(alice, "<iq type='set' id='s1'><query xmlns='jabber:iq:private'>" + bookmarks + "</query></iq>");
  inbox(alice);
  send(alice, "<iq type='get' id='p1'><pubsub xmlns='http://jabber.org/protocol/pubsub'>"
              "<items node='storage:bookmarks'/></pubsub></iq>");
  auto lines = inbox(alice);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find("<item id='current'>" + bookmarks.substr(0, 40)), std::string::npos) << lines[0];
  // Nobody else may read it: the node is whitelist.
  Client bob = login("bob@example.com", "desk");
  send(bob, "<iq type='get' id='p2' to='alice@example.com'><pubsub xmlns='http://jabber.org/protocol/pubsub'>"
            "<items node='storage:bookmarks'/></pubsub></iq>");
  lines = inbox(bob);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find("type='error'"), std::string::npos) << lines[0];
  EXPECT_EQ(lines[0].find("council@"), std::string::npos) << lines[0];
}

TEST_F(PrivateXml, RefusesWhatXep0049Refuses) {
  Client alice = login("alice@example.com", "desktop");
  Client bob = login("bob@example.com", "desk");
  // §3.3: reserved namespaces, and not exactly one child.
  for (const std::string q : {"<query xmlns='jabber:iq:private'><x xmlns='jabber:client'/></query>",
                              "<query xmlns='jabber:iq:private'><x xmlns='jabber:iq:private'/></query>",
                              "<query xmlns='jabber:iq:private'/>",
                              "<query xmlns='jabber:iq:private'><a xmlns='a:b'/><b xmlns='a:b'/></query>"}) {
    send(alice, "<iq type='set' id='bad'>" + q + "</iq>");
    auto lines = inbox(alice);
    ASSERT_EQ(lines.size(), 1u) << q;
    EXPECT_NE(lines[0].find("<not-acceptable"), std::string::npos) << q << " → " << lines[0];
  }
  // Another user's private data: forbidden.
  send(bob, "<iq type='get' id='other' to='alice@example.com'><query xmlns='jabber:iq:private'>"
            "<storage xmlns='storage:bookmarks'/></query></iq>");
  auto lines = inbox(bob);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find("<forbidden"), std::string::npos) << lines[0];
}

}  // namespace
