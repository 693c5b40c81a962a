// XEP-0163 personal eventing through the router: publish with auto-create
// and publish-options, items, retract, delete, access models, disco, and
// notifications filtered by XEP-0115 caps (+notify) on publish and with the
// last item when a resource comes online.
#include <regex>

#include "router_play.hpp"
#include "xmpp/caps.hpp"
#include "xmpp/pep.hpp"

using namespace confab;
using namespace confab::xmpp;
using namespace confab::xmpp::test;

namespace {

const std::string tune = "http://jabber.org/protocol/tune";
const std::string mood = "http://jabber.org/protocol/mood";

std::string joined(const Lines& lines) {
  std::string s;
  for (const auto& l : lines) s += l + "\n";
  return s;
}

bool has(const Lines& lines, const std::string& part) { return joined(lines).find(part) != std::string::npos; }

// alice and bob share presence both ways; carol is a stranger to both.
class Pep : public RouterPlay {
 protected:
  Pep() {
    register_pep(router, store, rng, {.max_nodes = 3, .max_items = 4, .max_item_bytes = 1024, .caps_cache = 100,
                                      .wall_clock = [](Instant) {
                                        return std::chrono::system_clock::time_point(std::chrono::seconds(1700000000));
                                      }});
  }
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

  static std::string disco(const std::vector<std::string>& features) {
    std::string q = "<query xmlns='http://jabber.org/protocol/disco#info'><identity category='client' type='pc' name='t'/>";
    for (const auto& f : features) q += "<feature var='" + f + "'/>";
    return q + "</query>";
  }
  static std::string ver(const std::vector<std::string>& features) {
    auto e = parse_element(disco(features)).value();
    return caps_hash("sha-1", verification_string(e).value()).value();
  }

  // Logs in with caps for `features`; answers the server's disco#info
  // query if it asks. Returns the client; its inbox keeps what came after.
  Client caps_login(std::string_view account, std::string_view resource, const std::vector<std::string>& features,
                    bool answer_correctly = true) {
    Client c = connect(account, resource);
    send(c, "<presence><c xmlns='http://jabber.org/protocol/caps' hash='sha-1' node='http://confab.test' ver='" +
                ver(features) + "'/></presence>");
    Lines got = inbox(c);
    static const std::regex ask("<iq from='example.com' to='([^']+)' type='get' id='(caps[0-9a-f]+)'><query "
                                "xmlns='http://jabber.org/protocol/disco#info' node='http://confab.test#([^']+)'/></iq>");
    Lines kept;  // everything but the query stays in the inbox
    for (const auto& line : got) {
      std::smatch m;
      if (!std::regex_search(line, m, ask)) {
        kept.push_back(line);
        continue;
      }
      ++queries;
      EXPECT_EQ(m[1], c.str());
      EXPECT_EQ(m[3], ver(features));
      auto shown = answer_correctly ? features : std::vector<std::string>{"urn:example:lie"};
      send(c, "<iq type='result' to='example.com' id='" + std::string(m[2]) + "'>" + disco(shown) + "</iq>");
    }
    auto& box = this->got[c.session];
    box.insert(box.begin(), kept.begin(), kept.end());
    return c;
  }

  void publish(const Client& c, const std::string& node, const std::string& payload, const std::string& extra = "") {
    send(c, "<iq type='set' id='pub'><pubsub xmlns='http://jabber.org/protocol/pubsub'><publish node='" + node +
                "'><item id='i1'>" + payload + "</item></publish>" + extra + "</pubsub></iq>");
  }
  static std::string options(const std::string& fields) {
    return "<publish-options><x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE' type='hidden'><value>"
           "http://jabber.org/protocol/pubsub#publish-options</value></field>" + fields + "</x></publish-options>";
  }
  Lines items(const Client& c, const std::string& owner, const std::string& node, const std::string& inner = "") {
    send(c, "<iq type='get' id='it' to='" + owner + "'><pubsub xmlns='http://jabber.org/protocol/pubsub'><items node='" +
                node + "'" + (inner.empty() ? "/>" : ">" + inner + "</items>") + "</pubsub></iq>");
    return inbox(c);
  }

  int queries = 0;
  const std::string tune_payload = "<tune xmlns='http://jabber.org/protocol/tune'><artist>Finzi</artist></tune>";
};

}  // namespace

TEST_F(Pep, TheBareJidIsAPepServiceInDisco) {
  Client a = login("alice@example.com", "desk");
  send(a, "<iq type='get' id='d' to='alice@example.com'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>");
  auto got = inbox(a);
  EXPECT_TRUE(has(got, "<identity category='pubsub' type='pep'/>")) << joined(got);
  EXPECT_TRUE(has(got, "<feature var='http://jabber.org/protocol/pubsub#filtered-notifications'/>"));
  EXPECT_TRUE(has(got, "<feature var='http://jabber.org/protocol/pubsub#publish-options'/>"));
  publish(a, tune, tune_payload);
  inbox(a);
  Client b = login("bob@example.com", "phone");
  send(b, "<iq type='get' id='d' to='alice@example.com'><query xmlns='http://jabber.org/protocol/disco#items'/></iq>");
  EXPECT_TRUE(has(inbox(b), "<item jid='alice@example.com' node='http://jabber.org/protocol/tune'/>"));
}

TEST_F(Pep, PublishingNotifiesTheOwnerAndContactsWhoseCapsWantIt) {
  Client desk = caps_login("alice@example.com", "desk", {tune + "+notify"});
  Client bob_phone = caps_login("bob@example.com", "phone", {tune, tune + "+notify"});
  Client bob_watch = caps_login("bob@example.com", "watch", {tune});  // no +notify
  Client carol = caps_login("carol@example.com", "x", {tune + "+notify"});  // no subscription
  forget();
  publish(desk, tune, tune_payload);
  auto own = inbox(desk);
  ASSERT_EQ(own.size(), 2u) << joined(own);
  EXPECT_TRUE(std::regex_match(own[0], std::regex("<message from='alice@example.com' to='alice@example.com/desk' "
                                                  "type='headline' id='pep[0-9a-f]+'><event xmlns='http://jabber.org/"
                                                  "protocol/pubsub#event'><items node='http://jabber.org/protocol/tune'>"
                                                  "<item id='i1'><tune xmlns='http://jabber.org/protocol/tune'><artist>"
                                                  "Finzi</artist></tune></item></items></event></message>")))
      << own[0];
  EXPECT_EQ(own[1], "<iq to='alice@example.com/desk' id='pub' type='result'><pubsub xmlns='http://jabber.org/protocol/"
                    "pubsub'><publish node='http://jabber.org/protocol/tune'><item id='i1'/></publish></pubsub></iq>");
  auto to_bob = inbox(bob_phone);
  ASSERT_EQ(to_bob.size(), 1u);
  EXPECT_TRUE(has(to_bob, "<artist>Finzi</artist>"));
  EXPECT_TRUE(has(to_bob, "<addresses xmlns='http://jabber.org/protocol/address'><address type='replyto' "
                          "jid='alice@example.com/desk'/></addresses>"));
  EXPECT_EQ(inbox(bob_watch), Lines{});
  EXPECT_EQ(inbox(carol), Lines{});
  EXPECT_EQ(queries, 3);  // one disco#info per distinct ver
}

TEST_F(Pep, TheLastItemFollowsInitialPresenceOnceCapsAreKnown) {
  Client desk = login("alice@example.com", "desk");
  publish(desk, tune, tune_payload);
  inbox(desk);
  Client phone = caps_login("bob@example.com", "phone", {tune + "+notify"});
  auto got = inbox(phone);
  ASSERT_TRUE(has(got, "<items node='http://jabber.org/protocol/tune'><item id='i1'>")) << joined(got);
  EXPECT_TRUE(has(got, "<delay xmlns='urn:xmpp:delay' from='alice@example.com' stamp='2023-11-14T22:13:20Z'/>"));
  // A second resource with the same caps: no new query, the item at once.
  Client tablet = caps_login("bob@example.com", "tablet", {tune + "+notify"});
  EXPECT_TRUE(has(inbox(tablet), "<item id='i1'>"));
  EXPECT_EQ(queries, 1);
  // The owner's own new resource gets it too.
  Client laptop = caps_login("alice@example.com", "laptop", {tune + "+notify"});
  EXPECT_TRUE(has(inbox(laptop), "<item id='i1'>"));
}

TEST_F(Pep, CapsThatDoNotHashToTheirVerAreNotBelieved) {
  Client desk = login("alice@example.com", "desk");
  publish(desk, tune, tune_payload);
  Client phone = caps_login("bob@example.com", "phone", {tune + "+notify"}, false);
  EXPECT_FALSE(has(inbox(phone), "<event"));
  forget();
  publish(desk, tune, tune_payload);
  EXPECT_EQ(inbox(phone), Lines{});
  // Another resource announcing that ver is asked again.
  Client tablet = caps_login("bob@example.com", "tablet", {tune + "+notify"});
  EXPECT_EQ(queries, 2);
  EXPECT_TRUE(has(inbox(tablet), "<item id='i1'>"));
}

TEST_F(Pep, ANodeKeepsOneItemByDefault) {
  Client a = login("alice@example.com", "desk");
  publish(a, tune, tune_payload);
  send(a, "<iq type='set' id='pub'><pubsub xmlns='http://jabber.org/protocol/pubsub'><publish node='" + tune +
              "'><item id='i2'><tune xmlns='http://jabber.org/protocol/tune'><artist>Elgar</artist></tune></item>"
              "</publish></pubsub></iq>");
  inbox(a);
  auto got = items(a, "alice@example.com", tune);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0], "<iq from='alice@example.com' to='alice@example.com/desk' id='it' type='result'><pubsub "
                    "xmlns='http://jabber.org/protocol/pubsub'><items node='http://jabber.org/protocol/tune'><item "
                    "id='i2'><tune xmlns='http://jabber.org/protocol/tune'><artist>Elgar</artist></tune></item></items>"
                    "</pubsub></iq>");
}

TEST_F(Pep, MaxItemsKeepsMoreAndItemsAreFetchedByIdOrCount) {
  Client a = login("alice@example.com", "desk");
  for (int i = 1; i <= 5; ++i)
    send(a, "<iq type='set' id='pub'><pubsub xmlns='http://jabber.org/protocol/pubsub'><publish node='n'><item id='i" +
                std::to_string(i) + "'><x xmlns='urn:example'/></item></publish>" +
                options("<field var='pubsub#max_items'><value>max</value></field>") + "</pubsub></iq>");
  inbox(a);
  auto every = joined(items(a, "alice@example.com", "n"));
  EXPECT_EQ(every.find("id='i1'"), std::string::npos);  // max = 4
  EXPECT_LT(every.find("id='i2'"), every.find("id='i5'"));  // oldest first
  send(a, "<iq type='get' id='it'><pubsub xmlns='http://jabber.org/protocol/pubsub'><items node='n' max_items='1'/></pubsub></iq>");
  auto last = joined(inbox(a));
  EXPECT_NE(last.find("id='i5'"), std::string::npos);
  EXPECT_EQ(last.find("id='i4'"), std::string::npos);
  auto by_id = joined(items(a, "alice@example.com", "n", "<item id='i3'/>"));
  EXPECT_NE(by_id.find("id='i3'"), std::string::npos);
  EXPECT_EQ(by_id.find("id='i4'"), std::string::npos);
}

TEST_F(Pep, AccessModelsDecideWhoRetrievesItems) {
  Client a = login("alice@example.com", "desk");
  Client b = login("bob@example.com", "phone");
  Client c = login("carol@example.com", "x");
  publish(a, tune, tune_payload);
  publish(a, "open-node", "<x xmlns='urn:example'/>", options("<field var='pubsub#access_model'><value>open</value></field>"));
  publish(a, "private", "<x xmlns='urn:example'/>", options("<field var='pubsub#access_model'><value>whitelist</value></field>"));
  forget();
  EXPECT_TRUE(has(items(b, "alice@example.com", tune), "<artist>Finzi</artist>"));
  auto refused = items(c, "alice@example.com", tune);
  EXPECT_TRUE(has(refused, "<not-authorized xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>")) << joined(refused);
  EXPECT_TRUE(has(refused, "<presence-subscription-required xmlns='http://jabber.org/protocol/pubsub#errors'/>"));
  EXPECT_TRUE(has(items(c, "alice@example.com", "open-node"), "<item id='i1'>"));
  EXPECT_TRUE(has(items(b, "alice@example.com", "private"), "<closed-node"));
  EXPECT_TRUE(has(items(a, "alice@example.com", "private"), "<item id='i1'>"));
  EXPECT_TRUE(has(items(b, "alice@example.com", "nothing"), "<item-not-found"));
  // disco#items shows a stranger only what it may see.
  send(c, "<iq type='get' id='d' to='alice@example.com'><query xmlns='http://jabber.org/protocol/disco#items'/></iq>");
  EXPECT_TRUE(has(inbox(c), "type='error'"));  // a stranger cannot see the account at all
}

TEST_F(Pep, PublishOptionsArePreconditions) {
  Client a = login("alice@example.com", "desk");
  publish(a, tune, tune_payload, options("<field var='pubsub#persist_items'><value>true</value></field>"
                                         "<field var='pubsub#access_model'><value>presence</value></field>"));
  EXPECT_TRUE(has(inbox(a), "type='result'"));
  publish(a, tune, tune_payload, options("<field var='pubsub#access_model'><value>open</value></field>"));
  auto got = inbox(a);
  EXPECT_TRUE(has(got, "<conflict xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>")) << joined(got);
  EXPECT_TRUE(has(got, "<precondition-not-met xmlns='http://jabber.org/protocol/pubsub#errors'/>"));
  publish(a, "other", tune_payload, options("<field var='pubsub#access_model'><value>roster</value></field>"));
  EXPECT_TRUE(has(inbox(a), "<precondition-not-met"));
  publish(a, "other", tune_payload, options("<field var='pubsub#unheard_of'><value>1</value></field>"));
  EXPECT_TRUE(has(inbox(a), "<precondition-not-met"));
}

TEST_F(Pep, PublishingIsTheOwnersAndLimited) {
  Client a = login("alice@example.com", "desk");
  Client b = login("bob@example.com", "phone");
  send(b, "<iq type='set' id='pub' to='alice@example.com'><pubsub xmlns='http://jabber.org/protocol/pubsub'><publish "
          "node='n'><item><x xmlns='urn:example'/></item></publish></pubsub></iq>");
  EXPECT_TRUE(has(inbox(b), "<forbidden"));
  publish(a, "n", "");
  EXPECT_TRUE(has(inbox(a), "<payload-required"));
  publish(a, "n", "<x xmlns='urn:example'>" + std::string(2000, 'x') + "</x>");
  EXPECT_TRUE(has(inbox(a), "<payload-too-big"));
  for (const char* n : {"n1", "n2", "n3", "n4"}) publish(a, n, "<x xmlns='urn:example'/>");
  EXPECT_TRUE(has(inbox(a), "<max-nodes-exceeded"));
  send(a, "<iq type='set' id='s'><pubsub xmlns='http://jabber.org/protocol/pubsub'><subscribe node='n1' "
          "jid='alice@example.com'/></pubsub></iq>");
  EXPECT_TRUE(has(inbox(a), "<unsupported xmlns='http://jabber.org/protocol/pubsub#errors' feature='subscribe'/>"));
}

TEST_F(Pep, RetractAndDeleteNotifyAndTakeTheItemsAway) {
  Client desk = caps_login("alice@example.com", "desk", {tune + "+notify"});
  Client phone = caps_login("bob@example.com", "phone", {tune + "+notify"});
  publish(desk, tune, tune_payload);
  forget();
  send(desk, "<iq type='set' id='r'><pubsub xmlns='http://jabber.org/protocol/pubsub'><retract node='" + tune +
                 "' notify='true'><item id='i1'/></retract></pubsub></iq>");
  EXPECT_TRUE(has(inbox(phone), "<items node='http://jabber.org/protocol/tune'><retract id='i1'/></items>"));
  EXPECT_TRUE(has(inbox(desk), "id='r' type='result'"));
  send(desk, "<iq type='set' id='r'><pubsub xmlns='http://jabber.org/protocol/pubsub'><retract node='" + tune +
                 "'><item id='i1'/></retract></pubsub></iq>");
  EXPECT_TRUE(has(inbox(desk), "<item-not-found"));
  send(desk, "<iq type='set' id='del'><pubsub xmlns='http://jabber.org/protocol/pubsub#owner'><delete node='" + tune +
                 "'/></pubsub></iq>");
  EXPECT_TRUE(has(inbox(phone), "<event xmlns='http://jabber.org/protocol/pubsub#event'><delete "
                                "node='http://jabber.org/protocol/tune'/></event>"));
  EXPECT_TRUE(has(items(desk, "alice@example.com", tune), "<item-not-found"));
}

TEST_F(Pep, NonPersistentItemsAreNotifiedButNotKept) {
  Client desk = login("alice@example.com", "desk");
  Client phone = caps_login("bob@example.com", "phone", {mood + "+notify"});
  forget();
  publish(desk, mood, "<mood xmlns='http://jabber.org/protocol/mood'><happy/></mood>",
          options("<field var='pubsub#persist_items'><value>0</value></field>"));
  EXPECT_TRUE(has(inbox(phone), "<happy/>"));
  auto got = items(desk, "alice@example.com", mood);
  EXPECT_TRUE(has(got, "<items node='http://jabber.org/protocol/mood'/>")) << joined(got);
}

TEST_F(Pep, BlockedContactsGetNoNotifications) {
  Client desk = login("alice@example.com", "desk");
  Client phone = caps_login("bob@example.com", "phone", {tune + "+notify"});
  send(desk, "<iq type='set' id='b'><block xmlns='urn:xmpp:blocking'><item jid='bob@example.com'/></block></iq>");
  forget();
  publish(desk, tune, tune_payload);
  EXPECT_EQ(inbox(phone), Lines{});
}

TEST_F(Pep, TheServerAdvertisesItsOwnCaps) {
  Element c = caps_for(router.server_info(), "https://confab.example");
  auto s = verification_string(router.server_info());
  ASSERT_TRUE(s);
  EXPECT_EQ(c.attribute("ver"), caps_hash("sha-1", *s));
  EXPECT_NE(s->find("server/im//confab<"), std::string::npos) << *s;
}
