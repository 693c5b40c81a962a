// XEP-0280 message carbons.
#include "router_play.hpp"

using namespace confab::xmpp;
using namespace confab::xmpp::test;

namespace {

class Carbons : public RouterPlay {
 protected:
  void SetUp() override {
    desktop = login("alice@example.com", "desktop", 5);
    laptop = login("alice@example.com", "laptop", 1);
    phone = login("bob@example.com", "phone");
    send(desktop, "<iq type='set' id='c1'><enable xmlns='urn:xmpp:carbons:2'/></iq>");
    send(laptop, "<iq type='set' id='c2'><enable xmlns='urn:xmpp:carbons:2'/></iq>");
    forget();
  }
  Client desktop, laptop, phone;
};

}  // namespace

TEST_F(Carbons, EnablingIsAnEmptyResult) {
  Client c = login("carol@example.com", "x");
  send(c, "<iq type='set' id='c1'><enable xmlns='urn:xmpp:carbons:2'/></iq>");
  EXPECT_EQ(inbox(c), Lines{"<iq to='carol@example.com/x' id='c1' type='result'/>"});
}

TEST_F(Carbons, ReceivedMessagesAreCopiedToTheOtherResources) {
  send(phone, "<message to='alice@example.com' type='chat' id='m'><body>hi</body></message>");
  EXPECT_EQ(inbox(desktop).size(), 1u);  // priority 5: the direct recipient
  EXPECT_EQ(inbox(laptop),
            Lines{"<message from='alice@example.com' to='alice@example.com/laptop' type='chat'>"
                  "<received xmlns='urn:xmpp:carbons:2'><forwarded xmlns='urn:xmpp:forward:0'>"
                  "<message xmlns='jabber:client' to='alice@example.com' type='chat' id='m' from='bob@example.com/phone'><body>hi</body></message>"
                  "</forwarded></received></message>"});
}

TEST_F(Carbons, SentMessagesAreCopiedToTheOtherResources) {
  send(laptop, "<message to='bob@example.com' type='chat' id='s'><body>yo</body></message>");
  EXPECT_EQ(inbox(phone).size(), 1u);
  EXPECT_EQ(inbox(desktop),
            Lines{"<message from='alice@example.com' to='alice@example.com/desktop' type='chat'>"
                  "<sent xmlns='urn:xmpp:carbons:2'><forwarded xmlns='urn:xmpp:forward:0'>"
                  "<message xmlns='jabber:client' to='bob@example.com' type='chat' id='s' from='alice@example.com/laptop'><body>yo</body></message>"
                  "</forwarded></sent></message>"});
  EXPECT_EQ(inbox(laptop), Lines{});
}

TEST_F(Carbons, PrivateMessagesAreNotCopiedAndLoseTheHint) {
  send(laptop, "<message to='bob@example.com' type='chat'><body>secret</body><private xmlns='urn:xmpp:carbons:2'/></message>");
  EXPECT_EQ(inbox(desktop), Lines{});
  EXPECT_EQ(inbox(phone), Lines{"<message to='bob@example.com' type='chat' from='alice@example.com/laptop'><body>secret</body></message>"});
  send(phone, "<message to='alice@example.com' type='chat'><body>x</body><no-copy xmlns='urn:xmpp:hints'/></message>");
  EXPECT_EQ(inbox(laptop), Lines{});
}

TEST_F(Carbons, OnlyChatAndNormalWithABodyAreCopied) {
  send(phone, "<message to='alice@example.com' type='headline'><body>news</body></message>");
  send(phone, "<message to='alice@example.com'><active xmlns='http://jabber.org/protocol/chatstates'/></message>");
  inbox(desktop);
  EXPECT_EQ(inbox(laptop).size(), 1u);  // the headline itself, no copies
  send(phone, "<message to='alice@example.com'><body>normal</body></message>");
  EXPECT_EQ(inbox(laptop).size(), 1u);  // the carbon
}

TEST_F(Carbons, DisabledResourcesGetNoCopies) {
  send(laptop, "<iq type='set' id='c3'><disable xmlns='urn:xmpp:carbons:2'/></iq>");
  forget();
  send(phone, "<message to='alice@example.com' type='chat'><body>hi</body></message>");
  EXPECT_EQ(inbox(laptop), Lines{});
}

TEST_F(Carbons, AMessageToAFullJidIsCopiedToTheOthers) {
  send(phone, "<message to='alice@example.com/laptop' type='chat'><body>hi</body></message>");
  EXPECT_EQ(inbox(laptop).size(), 1u);
  auto got = inbox(desktop);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_NE(got[0].find("<received xmlns='urn:xmpp:carbons:2'>"), std::string::npos);
}
