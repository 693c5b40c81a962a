// RFC 6121 §4: initial presence, probes at login, broadcasts to
// subscribers and own resources, directed presence, unavailable on close.
#include "router_play.hpp"

using namespace confab::xmpp;
using namespace confab::xmpp::test;

namespace {

// alice and bob are subscribed both ways; carol is a stranger.
class Presence : public RouterPlay {
 protected:
  void SetUp() override {
    Client a = connect("alice@example.com", "setup");
    Client b = connect("bob@example.com", "setup");
    send(a, "<presence to='bob@example.com' type='subscribe'/>");
    send(b, "<presence to='alice@example.com' type='subscribed'/>");
    send(b, "<presence to='alice@example.com' type='subscribe'/>");
    send(a, "<presence to='bob@example.com' type='subscribed'/>");
    close(a);
    close(b);
    forget();
  }
};

}  // namespace

TEST_F(Presence, InitialPresenceGoesToSubscribersAndOwnResourcesAndProbesContacts) {
  Client phone = login("bob@example.com", "phone");
  Client desktop = connect("alice@example.com", "desktop");
  send(desktop, "<presence><show>chat</show><priority>5</priority></presence>");
  // §4.2.2: reflected to the new resource itself, then bob's presence (the
  // probe's answer, §4.3.2).
  EXPECT_EQ(inbox(desktop),
            (Lines{"<presence from='alice@example.com/desktop' to='alice@example.com'><show>chat</show><priority>5</priority></presence>",
                   "<presence from='bob@example.com/phone' to='alice@example.com/desktop'/>"}));
  EXPECT_EQ(inbox(phone),
            Lines{"<presence from='alice@example.com/desktop' to='bob@example.com'><show>chat</show><priority>5</priority></presence>"});
}

TEST_F(Presence, ASecondResourceLearnsTheFirstAndTheFirstLearnsTheSecond) {
  Client desktop = login("alice@example.com", "desktop");
  Client laptop = connect("alice@example.com", "laptop");
  send(laptop, "<presence/>");
  EXPECT_EQ(inbox(desktop), Lines{"<presence from='alice@example.com/laptop' to='alice@example.com'/>"});
  EXPECT_EQ(inbox(laptop), (Lines{"<presence from='alice@example.com/laptop' to='alice@example.com'/>",
                                  "<presence from='alice@example.com/desktop' to='alice@example.com/laptop'/>"}));
}

TEST_F(Presence, NobodyElseHearsIt) {
  Client carol = login("carol@example.com", "home");
  login("alice@example.com", "desktop");
  EXPECT_EQ(inbox(carol), Lines{});
}

TEST_F(Presence, ClosingTheStreamBroadcastsUnavailable) {
  Client phone = login("bob@example.com", "phone");
  Client desktop = login("alice@example.com", "desktop");
  Client laptop = login("alice@example.com", "laptop");
  forget();
  close(desktop);
  EXPECT_EQ(inbox(phone), Lines{"<presence from='alice@example.com/desktop' type='unavailable' to='bob@example.com'/>"});
  EXPECT_EQ(inbox(laptop), Lines{"<presence from='alice@example.com/desktop' type='unavailable' to='alice@example.com'/>"});
  EXPECT_EQ(router.counters().sessions, 2u);
  close(desktop);  // twice: harmless
  EXPECT_EQ(router.counters().sessions, 2u);
}

TEST_F(Presence, ExplicitUnavailableReachesTheSenderTooAndStopsBroadcasts) {
  Client phone = login("bob@example.com", "phone");
  Client desktop = login("alice@example.com", "desktop");
  forget();
  send(desktop, "<presence type='unavailable'><status>gone</status></presence>");
  EXPECT_EQ(inbox(phone), Lines{"<presence type='unavailable' from='alice@example.com/desktop' to='bob@example.com'><status>gone</status></presence>"});
  EXPECT_EQ(inbox(desktop), Lines{"<presence type='unavailable' from='alice@example.com/desktop' to='alice@example.com'><status>gone</status></presence>"});
  EXPECT_FALSE(router.is_available(desktop.session));
  send(phone, "<presence><show>away</show></presence>");
  EXPECT_EQ(inbox(desktop), Lines{});  // not available: no broadcasts
}

TEST_F(Presence, DirectedPresenceIsRememberedAndEndedWithUnavailable) {
  Client carol = login("carol@example.com", "home");
  Client desktop = login("alice@example.com", "desktop");
  forget();
  // §4.6: to someone without a subscription.
  send(desktop, "<presence to='carol@example.com'><show>chat</show></presence>");
  EXPECT_EQ(inbox(carol), Lines{"<presence to='carol@example.com' from='alice@example.com/desktop'><show>chat</show></presence>"});
  send(desktop, "<presence><show>away</show></presence>");  // a broadcast does not reach carol
  EXPECT_EQ(inbox(carol), Lines{});
  close(desktop);  // §4.6.3: but the unavailable does
  EXPECT_EQ(inbox(carol), Lines{"<presence from='alice@example.com/desktop' type='unavailable' to='carol@example.com'/>"});
}

TEST_F(Presence, DirectedUnavailableEndsTheTracking) {
  Client carol = login("carol@example.com", "home");
  Client desktop = login("alice@example.com", "desktop");
  send(desktop, "<presence to='carol@example.com/home'/>");
  send(desktop, "<presence to='carol@example.com/home' type='unavailable'/>");
  forget();
  close(desktop);
  EXPECT_EQ(inbox(carol), Lines{});
}

TEST_F(Presence, PresenceToAnAbsentResourceIsIgnored) {
  Client desktop = login("alice@example.com", "desktop");
  forget();
  send(desktop, "<presence to='carol@example.com/nowhere'/>");  // §8.5.3.2.1
  EXPECT_EQ(inbox(desktop), Lines{});
}

TEST_F(Presence, PresenceToAnotherDomainIsAnError) {
  Client desktop = login("alice@example.com", "desktop");
  send(desktop, "<presence to='romeo@montague.example'/>");
  auto got = inbox(desktop);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_NE(got[0].find("type='error'"), std::string::npos);
  EXPECT_NE(got[0].find("remote-server-not-found"), std::string::npos);
}

TEST_F(Presence, ProbesFromClientsAreIgnored) {
  Client desktop = login("alice@example.com", "desktop");
  send(desktop, "<presence to='bob@example.com' type='probe'/>");
  EXPECT_EQ(inbox(desktop), Lines{});
  EXPECT_EQ(router.counters().ignored, 1u);
}

TEST_F(Presence, AnUnknownTypeIsABadRequest) {
  Client desktop = login("alice@example.com", "desktop");
  send(desktop, "<presence type='sideways' id='p1'/>");
  auto got = inbox(desktop);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_NE(got[0].find("bad-request"), std::string::npos);
}

TEST_F(Presence, AnErrorIsNeverAnsweredWithAnError) {
  Client desktop = login("alice@example.com", "desktop");
  send(desktop, "<presence type='error' to='nobody@elsewhere.example'/>");
  EXPECT_EQ(inbox(desktop), Lines{});
}

TEST_F(Presence, ConflictReplacesTheOldSessionAndItsPresence) {
  Client phone = login("bob@example.com", "phone");
  Client desktop = login("alice@example.com", "desktop");
  forget();
  Client again = connect("alice@example.com", "desktop");
  EXPECT_EQ(inbox(desktop),
            Lines{"CLOSE <stream:error><conflict xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"
                  "<text xmlns='urn:ietf:params:xml:ns:xmpp-streams'>Replaced by a new connection for this resource</text>"
                  "</stream:error>"});
  EXPECT_EQ(inbox(phone), Lines{"<presence from='alice@example.com/desktop' type='unavailable' to='bob@example.com'/>"});
  EXPECT_EQ(router.session_jid(again.session)->str(), "alice@example.com/desktop");
  EXPECT_FALSE(router.session_jid(desktop.session));
  EXPECT_EQ(router.counters().conflicts, 1u);
}

TEST_F(Presence, ASessionThatNeverSentPresenceLeavesSilently) {
  Client phone = login("bob@example.com", "phone");
  Client quiet = connect("alice@example.com", "quiet");
  forget();
  close(quiet);
  EXPECT_EQ(inbox(phone), Lines{});
}

TEST_F(Presence, APriorityChangeMovesBareJidMessages) {
  Client desktop = login("alice@example.com", "desktop", 1);
  Client laptop = login("alice@example.com", "laptop", 2);
  Client phone = login("bob@example.com", "phone");
  send(laptop, "<presence><priority>-5</priority></presence>");
  forget();
  send(phone, "<message to='alice@example.com' type='chat'><body>x</body></message>");
  EXPECT_EQ(inbox(desktop).size(), 1u);
  EXPECT_EQ(inbox(laptop).size(), 0u);
}
