// IQs: the roster (RFC 6121 §2), disco (XEP-0030), ping (XEP-0199),
// version (XEP-0092), routing to resources, and the RFC 6120 §8 errors.
#include "router_play.hpp"

using namespace confab::xmpp;
using namespace confab::xmpp::test;

namespace {

class Iqs : public RouterPlay {
 protected:
  void SetUp() override {
    desktop = login("alice@example.com", "desktop");
    laptop = login("alice@example.com", "laptop");
    forget();
  }
  std::string error_of(const Client& c) {
    auto got = inbox(c);
    EXPECT_EQ(got.size(), 1u);
    if (got.empty()) return "";
    auto start = got[0].find("<error");
    return start == std::string::npos ? got[0] : got[0].substr(start);
  }
  Client desktop, laptop;
};

const std::string stanzas = " xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>";

}  // namespace

TEST_F(Iqs, RosterSetPushesToInterestedResourcesThenAnswers) {
  // §2.3: the example of RFC 6121 (nurse in the Servants group).
  send(desktop, "<iq id='rs1' type='set'><query xmlns='jabber:iq:roster'>"
                "<item jid='nurse@example.com' name='Nurse'><group>Servants</group></item></query></iq>");
  const std::string item = "<item jid='nurse@example.com' name='Nurse' subscription='none'><group>Servants</group></item>";
  EXPECT_EQ(inbox(desktop), (Lines{"<iq to='alice@example.com/desktop' type='set' id='push'><query xmlns='jabber:iq:roster' ver='1'>" + item + "</query></iq>",
                                   "<iq to='alice@example.com/desktop' id='rs1' type='result'/>"}));
  EXPECT_EQ(inbox(laptop), Lines{"<iq to='alice@example.com/laptop' type='set' id='push'><query xmlns='jabber:iq:roster' ver='1'>" + item + "</query></iq>"});
  // §2.1.3: a get returns it, with the version.
  send(laptop, "<iq id='rg' type='get'><query xmlns='jabber:iq:roster'/></iq>");
  EXPECT_EQ(inbox(laptop), Lines{"<iq to='alice@example.com/laptop' id='rg' type='result'><query xmlns='jabber:iq:roster' ver='1'>" + item + "</query></iq>"});
}

TEST_F(Iqs, AnUpToDateRosterVersionGetsAnEmptyResult) {
  send(desktop, "<iq id='rs1' type='set'><query xmlns='jabber:iq:roster'><item jid='nurse@example.com'/></query></iq>");
  forget();
  send(desktop, "<iq id='v1' type='get'><query xmlns='jabber:iq:roster' ver='1'/></iq>");  // §2.6.3
  EXPECT_EQ(inbox(desktop), Lines{"<iq to='alice@example.com/desktop' id='v1' type='result'/>"});
  send(desktop, "<iq id='v0' type='get'><query xmlns='jabber:iq:roster' ver='0'/></iq>");
  EXPECT_EQ(inbox(desktop).size(), 1u);
}

TEST_F(Iqs, RosterSetErrorsFollowSection233) {
  send(desktop, "<iq id='e1' type='set'><query xmlns='jabber:iq:roster'><item jid='a@example.com'/><item jid='b@example.com'/></query></iq>");
  EXPECT_EQ(error_of(desktop), "<error type='modify'><bad-request" + stanzas +
                                   "<text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>a roster set carries exactly one item</text></error></iq>");
  send(desktop, "<iq id='e2' type='set'><query xmlns='jabber:iq:roster'><item jid='a@example.com'><group>x</group><group>x</group></item></query></iq>");
  EXPECT_NE(error_of(desktop).find("bad-request"), std::string::npos);
  send(desktop, "<iq id='e3' type='set'><query xmlns='jabber:iq:roster'><item jid='a@example.com'><group/></item></query></iq>");
  EXPECT_NE(error_of(desktop).find("not-acceptable"), std::string::npos);
  send(desktop, "<iq id='e4' type='set'><query xmlns='jabber:iq:roster'><item jid='a@example.com' name='" + std::string(2000, 'n') + "'/></query></iq>");
  EXPECT_NE(error_of(desktop).find("not-acceptable"), std::string::npos);
  send(desktop, "<iq id='e5' type='set'><query xmlns='jabber:iq:roster'><item jid='@example.com'/></query></iq>");
  EXPECT_NE(error_of(desktop).find("jid-malformed"), std::string::npos);
}

TEST_F(Iqs, SubscriptionAttributesFromTheClientAreIgnored) {
  send(desktop, "<iq id='s' type='set'><query xmlns='jabber:iq:roster'><item jid='nurse@example.com' subscription='both' ask='subscribe' approved='true'/></query></iq>");
  auto got = inbox(desktop);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_NE(got[0].find("<item jid='nurse@example.com' subscription='none'/>"), std::string::npos);
}

TEST_F(Iqs, AnotherUsersRosterIsNotServed) {
  send(desktop, "<iq id='x' type='get' to='bob@example.com'><query xmlns='jabber:iq:roster'/></iq>");
  EXPECT_EQ(error_of(desktop), "<error type='cancel'><service-unavailable" + stanzas + "</error></iq>");
}

TEST_F(Iqs, PingToTheServerAndToTheAccount) {
  send(desktop, "<iq id='p1' type='get' to='example.com'><ping xmlns='urn:xmpp:ping'/></iq>");
  EXPECT_EQ(inbox(desktop), Lines{"<iq from='example.com' to='alice@example.com/desktop' id='p1' type='result'/>"});
  send(desktop, "<iq id='p2' type='get'><ping xmlns='urn:xmpp:ping'/></iq>");
  EXPECT_EQ(inbox(desktop), Lines{"<iq to='alice@example.com/desktop' id='p2' type='result'/>"});
}

TEST_F(Iqs, ServerDiscoAdvertisesExactlyWhatIsImplemented) {
  send(desktop, "<iq id='d1' type='get' to='example.com'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>");
  EXPECT_EQ(inbox(desktop),
            Lines{"<iq from='example.com' to='alice@example.com/desktop' id='d1' type='result'>"
                  "<query xmlns='http://jabber.org/protocol/disco#info'>"
                  "<identity category='server' type='im' name='confab'/>"
                  "<feature var='http://jabber.org/protocol/disco#info'/>"
                  "<feature var='http://jabber.org/protocol/disco#items'/>"
                  "<feature var='jabber:iq:version'/>"
                  "<feature var='msgoffline'/>"
                  "<feature var='urn:xmpp:blocking'/>"
                  "<feature var='urn:xmpp:carbons:2'/>"
                  "<feature var='urn:xmpp:ping'/>"
                  "</query></iq>"});
  send(desktop, "<iq id='d2' type='get' to='example.com'><query xmlns='http://jabber.org/protocol/disco#items'/></iq>");
  EXPECT_EQ(inbox(desktop), Lines{"<iq from='example.com' to='alice@example.com/desktop' id='d2' type='result'>"
                                  "<query xmlns='http://jabber.org/protocol/disco#items'/></iq>"});
  send(desktop, "<iq id='d3' type='get' to='example.com'><query xmlns='http://jabber.org/protocol/disco#info' node='x'/></iq>");
  EXPECT_NE(error_of(desktop).find("item-not-found"), std::string::npos);
}

TEST_F(Iqs, AccountDiscoIsForTheOwnerAndSubscribersOnly) {
  send(desktop, "<iq id='d1' type='get' to='alice@example.com'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>");
  EXPECT_EQ(inbox(desktop),
            Lines{"<iq from='alice@example.com' to='alice@example.com/desktop' id='d1' type='result'>"
                  "<query xmlns='http://jabber.org/protocol/disco#info'>"
                  "<identity category='account' type='registered'/>"
                  "<feature var='http://jabber.org/protocol/disco#info'/>"
                  "<feature var='http://jabber.org/protocol/disco#items'/>"
                  "</query></iq>"});
  // A stranger cannot tell an account from no account.
  Client carol = login("carol@example.com", "home");
  send(carol, "<iq id='d2' type='get' to='alice@example.com'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>");
  const std::string refused = error_of(carol);
  send(carol, "<iq id='d2' type='get' to='nobody@example.com'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>");
  EXPECT_EQ(error_of(carol), refused);
  EXPECT_NE(refused.find("service-unavailable"), std::string::npos);
}

TEST_F(Iqs, VersionNamesTheServer) {
  send(desktop, "<iq id='v' type='get' to='example.com'><query xmlns='jabber:iq:version'/></iq>");
  EXPECT_EQ(inbox(desktop), Lines{"<iq from='example.com' to='alice@example.com/desktop' id='v' type='result'>"
                                  "<query xmlns='jabber:iq:version'><name>confab</name><version>1.0</version></query></iq>"});
}

TEST_F(Iqs, UnknownPayloadsAreServiceUnavailableAndWrongTypesNotImplemented) {
  send(desktop, "<iq id='u1' type='get' to='example.com'><query xmlns='jabber:iq:last'/></iq>");
  EXPECT_EQ(error_of(desktop), "<error type='cancel'><service-unavailable" + stanzas + "</error></iq>");
  send(desktop, "<iq id='u2' type='get'><vCard xmlns='vcard-temp'/></iq>");
  EXPECT_EQ(error_of(desktop), "<error type='cancel'><service-unavailable" + stanzas + "</error></iq>");
  send(desktop, "<iq id='u3' type='set' to='example.com'><ping xmlns='urn:xmpp:ping'/></iq>");
  EXPECT_EQ(error_of(desktop), "<error type='cancel'><feature-not-implemented" + stanzas + "</error></iq>");
}

TEST_F(Iqs, MalformedRequestsAreBadRequests) {
  send(desktop, "<iq id='b1' type='get'/>");
  EXPECT_NE(error_of(desktop).find("bad-request"), std::string::npos);
  send(desktop, "<iq id='b2' type='get'><ping xmlns='urn:xmpp:ping'/><ping xmlns='urn:xmpp:ping'/></iq>");
  EXPECT_NE(error_of(desktop).find("bad-request"), std::string::npos);
  send(desktop, "<iq type='get'><ping xmlns='urn:xmpp:ping'/></iq>");
  EXPECT_NE(error_of(desktop).find("bad-request"), std::string::npos);
  send(desktop, "<iq id='b3' type='fetch'><ping xmlns='urn:xmpp:ping'/></iq>");
  EXPECT_EQ(inbox(desktop), Lines{});
}

TEST_F(Iqs, RequestsToAFullJidAreRoutedAndAnswered) {
  Client bob = login("bob@example.com", "phone");
  send(bob, "<iq id='t1' type='get' to='alice@example.com/laptop'><time xmlns='urn:xmpp:time'/></iq>");
  EXPECT_EQ(inbox(laptop), Lines{"<iq id='t1' type='get' to='alice@example.com/laptop' from='bob@example.com/phone'><time xmlns='urn:xmpp:time'/></iq>"});
  send(laptop, "<iq id='t1' type='result' to='bob@example.com/phone'><time xmlns='urn:xmpp:time'><tzo>Z</tzo></time></iq>");
  EXPECT_EQ(inbox(bob), Lines{"<iq id='t1' type='result' to='bob@example.com/phone' from='alice@example.com/laptop'><time xmlns='urn:xmpp:time'><tzo>Z</tzo></time></iq>"});
}

TEST_F(Iqs, ARequestToAnAbsentResourceIsServiceUnavailable) {
  Client bob = login("bob@example.com", "phone");
  send(bob, "<iq id='t2' type='get' to='alice@example.com/gone'><time xmlns='urn:xmpp:time'/></iq>");
  EXPECT_EQ(inbox(bob), Lines{"<iq from='alice@example.com/gone' to='bob@example.com/phone' id='t2' type='error'>"
                              "<error type='cancel'><service-unavailable" + stanzas + "</error></iq>"});
  // A result or error to it vanishes: never answered.
  send(bob, "<iq id='t3' type='result' to='alice@example.com/gone'/>");
  send(bob, "<iq id='t4' type='error' to='alice@example.com/gone'/>");
  EXPECT_EQ(inbox(bob), Lines{});
}

TEST_F(Iqs, ResultsToTheServerOrAccountAreNotAnswered) {
  send(desktop, "<iq id='push1' type='result'/>");
  send(desktop, "<iq id='x' type='error' to='example.com'/>");
  EXPECT_EQ(inbox(desktop), Lines{});
  EXPECT_EQ(router.counters().ignored, 2u);
}

TEST_F(Iqs, RemoteDomainsAreRemoteServerNotFound) {
  send(desktop, "<iq id='r' type='get' to='capulet.example'><ping xmlns='urn:xmpp:ping'/></iq>");
  EXPECT_NE(error_of(desktop).find("remote-server-not-found"), std::string::npos);
}

TEST_F(Iqs, AHandlerCanBeAdded) {
  IqRoute route;
  route.ns = "vcard-temp";
  route.name = "vCard";
  route.target = IqTarget::own_account;
  route.get = true;
  route.features = {"vcard-temp"};
  router.add_iq_handler(route, [](const IqRequest& r) -> IqOutcome {
    Element card("vCard", "vcard-temp");
    card.add_child(Element("FN", "vcard-temp")).add_text(r.to.local());
    return std::optional<Element>(card);
  });
  send(desktop, "<iq id='vc' type='get'><vCard xmlns='vcard-temp'/></iq>");
  EXPECT_EQ(inbox(desktop), Lines{"<iq to='alice@example.com/desktop' id='vc' type='result'><vCard xmlns='vcard-temp'><FN>alice</FN></vCard></iq>"});
  send(desktop, "<iq id='d' type='get' to='example.com'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>");
  EXPECT_NE(inbox(desktop)[0].find("<feature var='vcard-temp'/>"), std::string::npos);
}

TEST_F(Iqs, AStoreFailureIsAnInternalServerErrorOfTypeWait) {
  Client bob = connect("bob@example.com", "phone");  // not loaded yet
  store.set_failing(true);
  send(bob, "<iq id='r' type='get'><query xmlns='jabber:iq:roster'/></iq>");
  EXPECT_EQ(inbox(bob), Lines{"<iq from='bob@example.com' to='bob@example.com/phone' id='r' type='error'><error type='wait'>"
                              "<internal-server-error" + stanzas + "</error></iq>"});
  EXPECT_FALSE(router.last_store_error().empty());
  store.set_failing(false);
  send(bob, "<iq id='r' type='get'><query xmlns='jabber:iq:roster'/></iq>");
  EXPECT_NE(inbox(bob)[0].find("type='result'"), std::string::npos);
}
