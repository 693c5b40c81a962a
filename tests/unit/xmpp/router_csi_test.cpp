// XEP-0352 client state indication.
#include "router_play.hpp"

using namespace confab::xmpp;
using namespace confab::xmpp::test;

namespace {

class Csi : public RouterPlay {
 protected:
  void SetUp() override {
    Client a = connect("alice@example.com", "setup");
    Client b = connect("bob@example.com", "setup");
    Client c = connect("carol@example.com", "setup");
    for (const char* who : {"bob@example.com", "carol@example.com"}) {
      send(a, std::string("<presence to='") + who + "' type='subscribe'/>");
      send(who[0] == 'b' ? b : c, "<presence to='alice@example.com' type='subscribed'/>");
    }
    close(a);
    close(b);
    close(c);
    phone = login("alice@example.com", "phone");
    bob = login("bob@example.com", "pc");
    carol = login("carol@example.com", "pc");
    forget();
  }
  Client phone, bob, carol;
};

}  // namespace

TEST_F(Csi, AnInactiveClientGetsOnlyTheLatestPresenceOfEachContactWhenActiveAgain) {
  send(phone, "<inactive xmlns='urn:xmpp:csi:0'/>");
  send(bob, "<presence><show>away</show></presence>");
  send(carol, "<presence><show>dnd</show></presence>");
  send(bob, "<presence><show>xa</show></presence>");
  EXPECT_EQ(inbox(phone), Lines{});
  // Messages are not held.
  send(bob, "<message to='alice@example.com' type='chat'><body>hi</body></message>");
  EXPECT_EQ(inbox(phone).size(), 1u);
  send(phone, "<active xmlns='urn:xmpp:csi:0'/>");
  EXPECT_EQ(inbox(phone), (Lines{"<presence from='carol@example.com/pc' to='alice@example.com'><show>dnd</show></presence>",
                                 "<presence from='bob@example.com/pc' to='alice@example.com'><show>xa</show></presence>"}));
  EXPECT_EQ(router.counters().presence_held, 3u);
}

TEST_F(Csi, SubscriptionRequestsAreNotHeld) {
  Client stranger = connect("carol@example.com", "other");
  send(phone, "<inactive xmlns='urn:xmpp:csi:0'/>");
  send(stranger, "<presence to='alice@example.com' type='subscribe'/>");
  // carol is already approved: the server answers; nothing is held.
  EXPECT_EQ(router.counters().presence_held, 0u);
}

TEST_F(Csi, AnUnavailableReplacesTheHeldAvailable) {
  send(phone, "<inactive xmlns='urn:xmpp:csi:0'/>");
  send(bob, "<presence><show>away</show></presence>");
  close(bob);
  send(phone, "<active xmlns='urn:xmpp:csi:0'/>");
  EXPECT_EQ(inbox(phone), Lines{"<presence from='bob@example.com/pc' type='unavailable' to='alice@example.com'/>"});
}
