// XEP-0313 message archives through the router: what is archived (once per
// account, both directions, offline too), the <stanza-id/>s that go out,
// queries with the form's filters, RSM paging, limits and preferences.
#include <regex>

#include "router_play.hpp"
#include "xmpp/mam.hpp"

using namespace confab;
using namespace confab::xmpp;
using namespace confab::xmpp::test;

namespace {

std::vector<std::string> all(const std::string& text, const std::string& pattern) {
  std::vector<std::string> out;
  std::regex re(pattern);
  for (auto it = std::sregex_iterator(text.begin(), text.end(), re); it != std::sregex_iterator(); ++it)
    out.push_back((*it)[1]);
  return out;
}

std::string joined(const Lines& lines) {
  std::string s;
  for (const auto& l : lines) s += l + "\n";
  return s;
}

class Mam : public RouterPlay {
 protected:
  Mam() {
    register_mam(router, store, rng,
                 {.max_archived_messages = 8, .default_page = 4, .max_page = 5,
                  .wall_clock = [this](Instant) { return wall; }});
  }
  void SetUp() override {
    alice = login("alice@example.com", "desk");
    bob = login("bob@example.com", "phone");
    forget();
  }

  void chat(const Client& from, const std::string& to, const std::string& body) {
    send(from, "<message to='" + to + "' type='chat'><body>" + body + "</body></message>");
  }

  // Sends a query, returns everything the querier got (results, then the IQ).
  Lines query(const Client& c, const std::string& inner) {
    send(c, "<iq type='set' id='q'><query xmlns='urn:xmpp:mam:2' queryid='f'>" + inner + "</query></iq>");
    return inbox(c);
  }
  static std::string form(const std::string& fields) {
    return "<x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE' type='hidden'><value>urn:xmpp:mam:2</value>"
           "</field>" + fields + "</x>";
  }
  static std::string field(const std::string& var, const std::string& value) {
    return "<field var='" + var + "'><value>" + value + "</value></field>";
  }
  static std::vector<std::string> bodies(const Lines& got) { return all(joined(got), "<body>([^<]*)</body>"); }
  static std::vector<std::string> ids(const Lines& got) { return all(joined(got), "<result [^>]*id='([0-9a-f]+)'"); }

  std::chrono::system_clock::time_point wall{std::chrono::seconds(1700000000)};
  Client alice, bob;
};

}  // namespace

TEST_F(Mam, TheArchiveIsAdvertisedOnTheAccountsBareJid) {
  send(alice, "<iq type='get' id='d' to='alice@example.com'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>");
  const std::string got = joined(inbox(alice));
  EXPECT_NE(got.find("<feature var='urn:xmpp:mam:2'/>"), std::string::npos) << got;
  EXPECT_NE(got.find("<feature var='urn:xmpp:mam:2#extended'/>"), std::string::npos);
}

TEST_F(Mam, AReceivedMessageCarriesTheArchivesStanzaId) {
  chat(bob, "alice@example.com", "hi");
  auto got = inbox(alice);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_TRUE(std::regex_search(got[0], std::regex("<stanza-id xmlns='urn:xmpp:sid:0' by='alice@example.com' id='[0-9a-f]{31}'/>")))
      << got[0];
  // §3.5: not the sender's archive id on what the contact receives.
  EXPECT_EQ(got[0].find("by='bob@example.com'"), std::string::npos);
}

TEST_F(Mam, EachSideArchivesTheMessageOnceWhateverItsResources) {
  Client laptop = login("alice@example.com", "laptop");
  send(laptop, "<iq type='set' id='c'><enable xmlns='urn:xmpp:carbons:2'/></iq>");
  forget();
  chat(bob, "alice@example.com", "to both");  // both resources (equal priority)
  chat(alice, "bob@example.com", "reply");
  forget();
  EXPECT_EQ(bodies(query(alice, "")), (std::vector<std::string>{"to both", "reply"}));
  auto bobs = query(bob, "");
  EXPECT_EQ(bodies(bobs), (std::vector<std::string>{"to both", "reply"}));
  // The result: the message as archived, with its <delay/> stamp.
  EXPECT_NE(bobs[0].find("<result xmlns='urn:xmpp:mam:2' queryid='f' id='"), std::string::npos) << bobs[0];
  EXPECT_NE(bobs[0].find("<forwarded xmlns='urn:xmpp:forward:0'><delay xmlns='urn:xmpp:delay' stamp='2023-11-14T22:13:20Z'/>"
                         "<message xmlns='jabber:client' to='alice@example.com' type='chat' from='bob@example.com/phone'>"
                         "<body>to both</body></message>"),
            std::string::npos)
      << bobs[0];
  EXPECT_EQ(bobs[2], "<iq to='bob@example.com/phone' id='q' type='result'><fin xmlns='urn:xmpp:mam:2' complete='true'>"
                     "<set xmlns='http://jabber.org/protocol/rsm'><first index='0'>" + ids(bobs)[0] + "</first><last>" +
                         ids(bobs)[1] + "</last><count>2</count></set></fin></iq>");
}

TEST_F(Mam, SentCarbonsCarryTheSendersStanzaId) {
  Client laptop = login("alice@example.com", "laptop");
  send(laptop, "<iq type='set' id='c'><enable xmlns='urn:xmpp:carbons:2'/></iq>");
  forget();
  chat(alice, "bob@example.com", "copied");
  auto copy = inbox(laptop);
  ASSERT_EQ(copy.size(), 1u);
  const auto archived = ids(query(alice, ""));
  ASSERT_EQ(archived.size(), 1u);
  EXPECT_NE(copy[0].find("<sent xmlns='urn:xmpp:carbons:2'>"), std::string::npos);
  EXPECT_NE(copy[0].find("<stanza-id xmlns='urn:xmpp:sid:0' by='alice@example.com' id='" + archived[0] + "'/>"),
            std::string::npos)
      << copy[0];
}

TEST_F(Mam, OfflineMessagesAreArchivedOnceAndDeliveredWithTheirStanzaId) {
  chat(bob, "carol@example.com", "later");
  Client carol = connect("carol@example.com", "home");
  send(carol, "<presence/>");
  auto got = inbox(carol);
  const std::string text = joined(got);
  EXPECT_NE(text.find("<body>later</body><stanza-id xmlns='urn:xmpp:sid:0' by='carol@example.com'"), std::string::npos)
      << text;
  EXPECT_EQ(bodies(query(carol, "")), std::vector<std::string>{"later"});
}

TEST_F(Mam, ForgedStanzaIdsInTheArchivesNameAreRemoved) {
  send(bob, "<message to='alice@example.com' type='chat'><body>x</body>"
            "<stanza-id xmlns='urn:xmpp:sid:0' by='alice@example.com' id='forged'/></message>");
  auto got = inbox(alice);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].find("forged"), std::string::npos) << got[0];
}

TEST_F(Mam, OnlyChatAndNormalMessagesWithABodyAreArchived) {
  send(bob, "<message to='alice@example.com' type='chat'><active xmlns='http://jabber.org/protocol/chatstates'/></message>");
  send(bob, "<message to='alice@example.com' type='headline'><body>news</body></message>");
  send(bob, "<message to='alice@example.com' type='chat'><body>secret</body><no-store xmlns='urn:xmpp:hints'/></message>");
  send(bob, "<message to='alice@example.com'><body>normal</body></message>");
  forget();
  EXPECT_EQ(bodies(query(alice, "")), std::vector<std::string>{"normal"});
}

TEST_F(Mam, PagesFollowRsmAfterAndBeforeWithCompleteOnTheLastPage) {
  for (int i = 1; i <= 7; ++i) chat(bob, "alice@example.com", "m" + std::to_string(i));
  forget();
  const std::string rsm = "<set xmlns='http://jabber.org/protocol/rsm'><max>3</max>";
  auto p1 = query(alice, rsm + "</set>");
  EXPECT_EQ(bodies(p1), (std::vector<std::string>{"m1", "m2", "m3"}));
  EXPECT_NE(p1.back().find("<fin xmlns='urn:xmpp:mam:2'><set"), std::string::npos) << p1.back();  // not complete
  EXPECT_NE(p1.back().find("<count>7</count>"), std::string::npos);
  auto p2 = query(alice, rsm + "<after>" + ids(p1).back() + "</after></set>");
  EXPECT_EQ(bodies(p2), (std::vector<std::string>{"m4", "m5", "m6"}));
  EXPECT_NE(p2.back().find("<first index='3'>"), std::string::npos) << p2.back();
  auto p3 = query(alice, rsm + "<after>" + ids(p2).back() + "</after></set>");
  EXPECT_EQ(bodies(p3), std::vector<std::string>{"m7"});
  EXPECT_NE(p3.back().find("complete='true'"), std::string::npos);
  // An empty <before/> is the last page; paging back from it.
  auto last = query(alice, rsm + "<before/></set>");
  EXPECT_EQ(bodies(last), (std::vector<std::string>{"m5", "m6", "m7"}));
  EXPECT_EQ(last.back().find("complete='true'"), std::string::npos);
  EXPECT_NE(last.back().find("<first>"), std::string::npos) << last.back();  // no index paging backwards
  auto back = query(alice, rsm + "<before>" + ids(last).front() + "</before></set>");
  EXPECT_EQ(bodies(back), (std::vector<std::string>{"m2", "m3", "m4"}));
  auto first = query(alice, rsm + "<before>" + ids(back).front() + "</before></set>");
  EXPECT_EQ(bodies(first), std::vector<std::string>{"m1"});
  EXPECT_NE(first.back().find("complete='true'"), std::string::npos);
  // flip-page sends the same page newest first.
  auto flipped = query(alice, rsm + "</set><flip-page/>");
  EXPECT_EQ(bodies(flipped), (std::vector<std::string>{"m3", "m2", "m1"}));
}

TEST_F(Mam, MaxIsCappedAndDefaults) {
  for (int i = 1; i <= 7; ++i) chat(bob, "alice@example.com", "m" + std::to_string(i));
  forget();
  EXPECT_EQ(bodies(query(alice, "")).size(), 4u);  // default_page
  EXPECT_EQ(bodies(query(alice, "<set xmlns='http://jabber.org/protocol/rsm'><max>1000</max></set>")).size(), 5u);
  auto count_only = query(alice, "<set xmlns='http://jabber.org/protocol/rsm'><max>0</max></set>");
  ASSERT_EQ(count_only.size(), 1u);
  EXPECT_NE(count_only[0].find("<count>7</count>"), std::string::npos) << count_only[0];
}

TEST_F(Mam, TheOldestGoPastThePerAccountLimit) {
  for (int i = 1; i <= 10; ++i) chat(bob, "alice@example.com", "m" + std::to_string(i));
  forget();
  auto got = query(alice, "<set xmlns='http://jabber.org/protocol/rsm'><max>5</max><before/></set>");
  EXPECT_EQ(bodies(got), (std::vector<std::string>{"m6", "m7", "m8", "m9", "m10"}));
  EXPECT_NE(got.back().find("<count>8</count>"), std::string::npos);
}

TEST_F(Mam, TheFormFiltersByWithTimeAndIds) {
  Client carol = login("carol@example.com", "x");
  chat(bob, "alice@example.com", "b1");
  wall += std::chrono::hours(1);
  chat(carol, "alice@example.com", "c1");
  wall += std::chrono::hours(1);
  chat(alice, "bob@example.com/phone", "a1");
  chat(bob, "alice@example.com", "b2");
  forget();
  EXPECT_EQ(bodies(query(alice, form(field("with", "bob@example.com")))),
            (std::vector<std::string>{"b1", "a1", "b2"}));
  EXPECT_EQ(bodies(query(alice, form(field("with", "carol@example.com/x")))), std::vector<std::string>{"c1"});
  EXPECT_EQ(bodies(query(alice, form(field("with", "carol@example.com/y")))), std::vector<std::string>{});
  EXPECT_EQ(bodies(query(alice, form(field("start", "2023-11-14T23:13:20Z")))),
            (std::vector<std::string>{"c1", "a1", "b2"}));
  EXPECT_EQ(bodies(query(alice, form(field("end", "2023-11-14T23:13:20Z")))), (std::vector<std::string>{"b1", "c1"}));
  const auto every = ids(query(alice, ""));
  ASSERT_EQ(every.size(), 4u);
  EXPECT_EQ(bodies(query(alice, form(field("after-id", every[0]) + field("before-id", every[3])))),
            (std::vector<std::string>{"c1", "a1"}));
  EXPECT_EQ(bodies(query(alice, form("<field var='ids'><value>" + every[1] + "</value><value>" + every[3] +
                                     "</value></field>"))),
            (std::vector<std::string>{"c1", "b2"}));
}

TEST_F(Mam, BadQueriesGetTheXepsErrors) {
  chat(bob, "alice@example.com", "b1");
  forget();
  auto e = query(alice, "<set xmlns='http://jabber.org/protocol/rsm'><after>nope</after></set>");
  EXPECT_NE(e[0].find("<item-not-found"), std::string::npos) << e[0];
  e = query(alice, form(field("after-id", "nope")));
  EXPECT_NE(e[0].find("<item-not-found"), std::string::npos) << e[0];
  e = query(alice, form(field("{urn:example}free-text", "x")));
  EXPECT_NE(e[0].find("<feature-not-implemented"), std::string::npos) << e[0];
  e = query(alice, form(field("start", "yesterday")));
  EXPECT_NE(e[0].find("<bad-request"), std::string::npos) << e[0];
  // Someone else's archive is not there to be asked.
  send(bob, "<iq type='set' id='q' to='alice@example.com'><query xmlns='urn:xmpp:mam:2'/></iq>");
  EXPECT_NE(joined(inbox(bob)).find("type='error'"), std::string::npos);
}

TEST_F(Mam, TheQueryFormListsTheFields) {
  send(alice, "<iq type='get' id='f'><query xmlns='urn:xmpp:mam:2'/></iq>");
  const std::string got = joined(inbox(alice));
  for (const char* var : {"FORM_TYPE", "with", "start", "end", "before-id", "after-id", "ids"})
    EXPECT_NE(got.find("var='" + std::string(var) + "'"), std::string::npos) << var << got;
}

TEST_F(Mam, MetadataNamesTheFirstAndLastMessages) {
  send(alice, "<iq type='get' id='m'><metadata xmlns='urn:xmpp:mam:2'/></iq>");
  EXPECT_EQ(inbox(alice), Lines{"<iq to='alice@example.com/desk' id='m' type='result'><metadata xmlns='urn:xmpp:mam:2'/></iq>"});
  chat(bob, "alice@example.com", "b1");
  chat(bob, "alice@example.com", "b2");
  forget();
  const auto every = ids(query(alice, ""));
  send(alice, "<iq type='get' id='m'><metadata xmlns='urn:xmpp:mam:2'/></iq>");
  const std::string got = joined(inbox(alice));
  EXPECT_NE(got.find("<start id='" + every[0] + "' timestamp='2023-11-14T22:13:20Z'/><end id='" + every[1] + "'"),
            std::string::npos)
      << got;
}

TEST_F(Mam, PreferencesChooseWhatIsArchived) {
  send(alice, "<iq type='get' id='p'><prefs xmlns='urn:xmpp:mam:2'/></iq>");
  EXPECT_EQ(inbox(alice), Lines{"<iq to='alice@example.com/desk' id='p' type='result'><prefs xmlns='urn:xmpp:mam:2' "
                                "default='always'><always/><never/></prefs></iq>"});
  send(alice, "<iq type='set' id='p'><prefs xmlns='urn:xmpp:mam:2' default='never'><always><jid>bob@example.com</jid>"
              "</always></prefs></iq>");
  EXPECT_EQ(inbox(alice), Lines{"<iq to='alice@example.com/desk' id='p' type='result'><prefs xmlns='urn:xmpp:mam:2' "
                                "default='never'><always><jid>bob@example.com</jid></always><never/></prefs></iq>"});
  Client carol = login("carol@example.com", "x");
  chat(carol, "alice@example.com", "not kept");
  chat(bob, "alice@example.com", "kept");
  forget();
  EXPECT_EQ(bodies(query(alice, "")), std::vector<std::string>{"kept"});
  // roster: only contacts in the roster.
  send(alice, "<iq type='set' id='p'><prefs xmlns='urn:xmpp:mam:2' default='roster'/></iq>");
  send(alice, "<iq type='set' id='r'><query xmlns='jabber:iq:roster'><item jid='carol@example.com'/></query></iq>");
  chat(carol, "alice@example.com", "in roster now");
  chat(bob, "alice@example.com", "bob not");
  forget();
  EXPECT_EQ(bodies(query(alice, "")), (std::vector<std::string>{"kept", "in roster now"}));
}
