// RFC 6121 §3: the subscription handshake between two local users, each
// step's roster pushes and presence checked against the RFC's examples
// (alice plays the user, bob the contact).
#include "router_play.hpp"

using namespace confab::xmpp;
using namespace confab::xmpp::test;

namespace {

class Subscriptions : public RouterPlay {
 protected:
  void SetUp() override {
    desktop = login("alice@example.com", "desktop");
    laptop = login("alice@example.com", "laptop");
    phone = login("bob@example.com", "phone");
    forget();
  }
  Client desktop, laptop, phone;
};

const std::string push_none_ask =
    "<query xmlns='jabber:iq:roster' ver='1'><item jid='bob@example.com' subscription='none' ask='subscribe'/></query>";

}  // namespace

TEST_F(Subscriptions, ASubscribeAddsThePendingItemAndReachesTheContact) {
  // §3.1.1 / §3.1.2
  send(desktop, "<presence id='xk3h1v69' to='bob@example.com' type='subscribe'/>");
  EXPECT_EQ(inbox(desktop), Lines{"<iq to='alice@example.com/desktop' type='set' id='push'>" + push_none_ask + "</iq>"});
  EXPECT_EQ(inbox(laptop), Lines{"<iq to='alice@example.com/laptop' type='set' id='push'>" + push_none_ask + "</iq>"});
  // §3.1.3: from the bare JID, to every available resource of the contact.
  EXPECT_EQ(inbox(phone), Lines{"<presence id='xk3h1v69' to='bob@example.com' type='subscribe' from='alice@example.com'/>"});
  // The contact's roster does not get an item for a request (§3.1.3); the
  // version moves (the request is stored) but shows no item.
  send(phone, "<iq type='get' id='r2'><query xmlns='jabber:iq:roster'/></iq>");
  EXPECT_EQ(inbox(phone), Lines{"<iq to='bob@example.com/phone' id='r2' type='result'><query xmlns='jabber:iq:roster' ver='1'/></iq>"});
}

TEST_F(Subscriptions, ApprovalPushesBothRostersAndStartsPresence) {
  send(desktop, "<presence id='xk3h1v69' to='bob@example.com' type='subscribe'/>");
  forget();
  // §3.1.5: bob approves.
  send(phone, "<presence id='h4v1c4kj' to='alice@example.com' type='subscribed'/>");
  // Contact's side: a roster push with subscription='from'.
  EXPECT_EQ(inbox(phone),
            (Lines{"<iq to='bob@example.com/phone' type='set' id='push'><query xmlns='jabber:iq:roster' ver='2'>"
                   "<item jid='alice@example.com' subscription='from'/></query></iq>"}));
  // User's side (§3.1.6): the approval to interested resources, then a
  // push with subscription='to', then the contact's presence from its available resource.
  const Lines desktop_gets = {
      "<presence id='h4v1c4kj' to='alice@example.com' type='subscribed' from='bob@example.com'/>",
      "<iq to='alice@example.com/desktop' type='set' id='push'><query xmlns='jabber:iq:roster' ver='2'>"
      "<item jid='bob@example.com' subscription='to'/></query></iq>",
      "<presence from='bob@example.com/phone' to='alice@example.com'/>"};
  EXPECT_EQ(inbox(desktop), desktop_gets);
  EXPECT_EQ(inbox(laptop).size(), 3u);

  // From now on bob's presence changes reach alice, and alice's do not reach bob.
  send(phone, "<presence><show>away</show></presence>");
  EXPECT_EQ(inbox(desktop), Lines{"<presence from='bob@example.com/phone' to='alice@example.com'><show>away</show></presence>"});
  send(desktop, "<presence><show>dnd</show></presence>");
  EXPECT_EQ(inbox(phone), Lines{"<presence from='bob@example.com/phone' to='bob@example.com'><show>away</show></presence>"});
}

TEST_F(Subscriptions, MutualSubscriptionEndsInBoth) {
  send(desktop, "<presence to='bob@example.com' type='subscribe'/>");
  send(phone, "<presence to='alice@example.com' type='subscribed'/>");
  // §3.1.7 (the contact subscribes back): alice's item is "To", so the
  // request is delivered, not auto-answered.
  send(phone, "<presence to='alice@example.com' type='subscribe'/>");
  forget();
  send(desktop, "<presence to='bob@example.com' type='subscribed'/>");
  EXPECT_EQ(inbox(desktop),
            (Lines{"<iq to='alice@example.com/desktop' type='set' id='push'><query xmlns='jabber:iq:roster' ver='4'>"
                   "<item jid='bob@example.com' subscription='both'/></query></iq>"}));
  EXPECT_EQ(inbox(phone),
            (Lines{"<presence to='bob@example.com' type='subscribed' from='alice@example.com'/>",
                   "<iq to='bob@example.com/phone' type='set' id='push'><query xmlns='jabber:iq:roster' ver='4'>"
                   "<item jid='alice@example.com' subscription='both'/></query></iq>",
                   "<presence from='alice@example.com/desktop' to='bob@example.com'/>",
                   "<presence from='alice@example.com/laptop' to='bob@example.com'/>"}));
}

TEST_F(Subscriptions, ASecondSubscribeWhileSubscribedIsAnsweredByTheServer) {
  send(desktop, "<presence to='bob@example.com' type='subscribe'/>");
  send(phone, "<presence to='alice@example.com' type='subscribed'/>");
  forget();
  // A.3.1: "From" on bob's side: auto-reply, nothing delivered to bob, and
  // alice's "To" is unchanged (A.3.3: no delivery).
  send(desktop, "<presence to='bob@example.com' type='subscribe'/>");
  EXPECT_EQ(inbox(phone), Lines{});
  EXPECT_EQ(inbox(desktop), Lines{});
}

TEST_F(Subscriptions, ARepeatedRequestIsNotDeliveredTwice) {
  send(desktop, "<presence to='bob@example.com' type='subscribe'/>");
  forget();
  send(desktop, "<presence to='bob@example.com' type='subscribe'/>");  // A.2.1 / A.3.1: no state change
  EXPECT_EQ(inbox(phone), Lines{});
  EXPECT_EQ(inbox(desktop), Lines{});
}

TEST_F(Subscriptions, ADeniedRequestLeavesNoItemForTheContact) {
  send(desktop, "<presence to='bob@example.com' type='subscribe'/>");
  forget();
  // §3.2.1: bob declines.
  send(phone, "<presence to='alice@example.com' type='unsubscribed'/>");
  EXPECT_EQ(inbox(phone), Lines{});  // never in bob's roster: no push
  EXPECT_EQ(inbox(desktop),
            (Lines{"<presence to='alice@example.com' type='unsubscribed' from='bob@example.com'/>",
                   "<iq to='alice@example.com/desktop' type='set' id='push'><query xmlns='jabber:iq:roster' ver='2'>"
                   "<item jid='bob@example.com' subscription='none'/></query></iq>"}));
}

TEST_F(Subscriptions, CancellingASubscriptionSendsUnavailable) {
  send(desktop, "<presence to='bob@example.com' type='subscribe'/>");
  send(phone, "<presence to='alice@example.com' type='subscribed'/>");
  forget();
  // §3.2: bob cancels alice's subscription to him.
  send(phone, "<presence to='alice@example.com' type='unsubscribed'/>");
  EXPECT_EQ(inbox(phone),
            (Lines{"<iq to='bob@example.com/phone' type='set' id='push'><query xmlns='jabber:iq:roster' ver='3'>"
                   "<item jid='alice@example.com' subscription='none'/></query></iq>"}));
  EXPECT_EQ(inbox(desktop),
            (Lines{"<presence to='alice@example.com' type='unsubscribed' from='bob@example.com'/>",
                   "<iq to='alice@example.com/desktop' type='set' id='push'><query xmlns='jabber:iq:roster' ver='3'>"
                   "<item jid='bob@example.com' subscription='none'/></query></iq>",
                   "<presence from='bob@example.com/phone' type='unavailable' to='alice@example.com'/>"}));
}

TEST_F(Subscriptions, UnsubscribingStopsThePresenceAndTellsTheContact) {
  send(desktop, "<presence to='bob@example.com' type='subscribe'/>");
  send(phone, "<presence to='alice@example.com' type='subscribed'/>");
  forget();
  // §3.3: alice unsubscribes from bob.
  send(desktop, "<presence to='bob@example.com' type='unsubscribe'/>");
  EXPECT_EQ(inbox(desktop),
            (Lines{"<iq to='alice@example.com/desktop' type='set' id='push'><query xmlns='jabber:iq:roster' ver='3'>"
                   "<item jid='bob@example.com' subscription='none'/></query></iq>",
                   "<presence from='bob@example.com/phone' type='unavailable' to='alice@example.com'/>"}));
  EXPECT_EQ(inbox(phone),
            (Lines{"<presence to='bob@example.com' type='unsubscribe' from='alice@example.com'/>",
                   "<iq to='bob@example.com/phone' type='set' id='push'><query xmlns='jabber:iq:roster' ver='3'>"
                   "<item jid='alice@example.com' subscription='none'/></query></iq>"}));
  send(phone, "<presence><show>chat</show></presence>");
  EXPECT_EQ(inbox(desktop), Lines{});
}

TEST_F(Subscriptions, APreApprovalAnswersTheLaterRequestAtOnce) {
  // §3.4: bob pre-approves alice; nothing is sent to alice.
  send(phone, "<presence to='alice@example.com' type='subscribed'/>");
  EXPECT_EQ(inbox(phone),
            (Lines{"<iq to='bob@example.com/phone' type='set' id='push'><query xmlns='jabber:iq:roster' ver='1'>"
                   "<item jid='alice@example.com' subscription='none' approved='true'/></query></iq>"}));
  EXPECT_EQ(inbox(desktop), Lines{});
  send(desktop, "<presence to='bob@example.com' type='subscribe'/>");
  // bob is not asked: his item goes to "From" and the approval comes back.
  EXPECT_EQ(inbox(phone),
            (Lines{"<iq to='bob@example.com/phone' type='set' id='push'><query xmlns='jabber:iq:roster' ver='2'>"
                   "<item jid='alice@example.com' subscription='from'/></query></iq>"}));
  EXPECT_EQ(inbox(desktop),
            (Lines{"<iq to='alice@example.com/desktop' type='set' id='push'><query xmlns='jabber:iq:roster' ver='1'>"
                   "<item jid='bob@example.com' subscription='none' ask='subscribe'/></query></iq>",
                   "<presence from='bob@example.com' to='alice@example.com' type='subscribed'/>",
                   "<iq to='alice@example.com/desktop' type='set' id='push'><query xmlns='jabber:iq:roster' ver='2'>"
                   "<item jid='bob@example.com' subscription='to'/></query></iq>",
                   "<presence from='bob@example.com/phone' to='alice@example.com'/>"}));
}

TEST_F(Subscriptions, UnsubscribedCancelsAPreApproval) {
  send(phone, "<presence to='alice@example.com' type='subscribed'/>");
  send(phone, "<presence to='alice@example.com' type='unsubscribed'/>");
  forget();
  send(desktop, "<presence to='bob@example.com' type='subscribe'/>");
  EXPECT_EQ(inbox(phone), Lines{"<presence to='bob@example.com' type='subscribe' from='alice@example.com'/>"});
}

TEST_F(Subscriptions, ARequestWaitsForTheContactToComeOnlineAndIsRepeatedUntilAnswered) {
  close(phone);
  send(desktop, "<presence to='bob@example.com' type='subscribe'><status>hi, it is alice</status></presence>");
  forget();
  // §3.1.3: delivered at the next login...
  Client bob = connect("bob@example.com", "tablet");
  send(bob, "<presence/>");
  Lines got = inbox(bob);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[1], "<presence to='bob@example.com' type='subscribe' from='alice@example.com'><status>hi, it is alice</status></presence>");
  close(bob);
  // ...and the next, until bob answers.
  Client again = connect("bob@example.com", "tablet");
  send(again, "<presence/>");
  EXPECT_EQ(inbox(again).size(), 2u);
  send(again, "<presence to='alice@example.com' type='unsubscribed'/>");
  close(again);
  Client third = connect("bob@example.com", "tablet");
  send(third, "<presence/>");
  EXPECT_EQ(inbox(third).size(), 1u);  // only its own presence
}

TEST_F(Subscriptions, ARequestToNoSuchUserIsRefused) {
  send(desktop, "<presence to='nobody@example.com' type='subscribe'/>");
  Lines got = inbox(desktop);
  ASSERT_EQ(got.size(), 3u);  // push (ask), unsubscribed, push (none)
  EXPECT_EQ(got[1], "<presence from='nobody@example.com' to='alice@example.com' type='unsubscribed'/>");
}

TEST_F(Subscriptions, ARequestToAnotherDomainIsRemoteServerNotFound) {
  send(desktop, "<presence id='s1' to='juliet@capulet.example' type='subscribe'/>");
  EXPECT_EQ(inbox(desktop),
            Lines{"<presence from='juliet@capulet.example' to='alice@example.com/desktop' id='s1' type='error'>"
                  "<error type='cancel'><remote-server-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>"
                  "<text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>no federation with capulet.example</text>"
                  "</error></presence>"});
}

TEST_F(Subscriptions, RemovingTheItemCancelsBothSubscriptions) {
  send(desktop, "<presence to='bob@example.com' type='subscribe'/>");
  send(phone, "<presence to='alice@example.com' type='subscribed'/>");
  send(phone, "<presence to='alice@example.com' type='subscribe'/>");
  send(desktop, "<presence to='alice@example.com' type='subscribed'/>");  // to self: ignored
  send(desktop, "<presence to='bob@example.com' type='subscribed'/>");
  forget();
  // §2.5.2: a roster remove sends unsubscribe and unsubscribed for the user.
  send(desktop, "<iq type='set' id='remove1'><query xmlns='jabber:iq:roster'><item jid='bob@example.com' subscription='remove'/></query></iq>");
  EXPECT_EQ(inbox(desktop),
            (Lines{"<iq to='alice@example.com/desktop' type='set' id='push'><query xmlns='jabber:iq:roster' ver='5'>"
                   "<item jid='bob@example.com' subscription='remove'/></query></iq>",
                   "<presence from='bob@example.com/phone' type='unavailable' to='alice@example.com'/>",
                   "<iq to='alice@example.com/desktop' id='remove1' type='result'/>"}));
  EXPECT_EQ(inbox(phone),
            (Lines{"<presence from='alice@example.com' to='bob@example.com' type='unsubscribe'/>",
                   "<iq to='bob@example.com/phone' type='set' id='push'><query xmlns='jabber:iq:roster' ver='5'>"
                   "<item jid='alice@example.com' subscription='to'/></query></iq>",
                   "<presence from='alice@example.com' to='bob@example.com' type='unsubscribed'/>",
                   "<iq to='bob@example.com/phone' type='set' id='push'><query xmlns='jabber:iq:roster' ver='6'>"
                   "<item jid='alice@example.com' subscription='none'/></query></iq>",
                   "<presence from='alice@example.com/desktop' type='unavailable' to='bob@example.com'/>",
                   "<presence from='alice@example.com/laptop' type='unavailable' to='bob@example.com'/>"}));
  // Removing it again: §2.5.3 item-not-found.
  send(desktop, "<iq type='set' id='remove2'><query xmlns='jabber:iq:roster'><item jid='bob@example.com' subscription='remove'/></query></iq>");
  EXPECT_EQ(inbox(desktop),
            Lines{"<iq from='alice@example.com' to='alice@example.com/desktop' id='remove2' type='error'><error type='cancel'>"
                  "<item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/><text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>"
                  "bob@example.com is not in the roster</text></error></iq>"});
}
