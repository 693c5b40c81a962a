// XEP-0313 §5: the archives of persistent rooms. Groupchat messages get the
// room's <stanza-id/> and are archived in the MucStore; queries to the room's
// JID page through them (XEP-0059), filtered by start/end/with, under the
// room's access rules; the archive is bounded, survives a restart and goes
// with the room. The service is driven directly, as the router would.
#include <algorithm>

#include "core/rng.hpp"
#include "muc_play.hpp"
#include "xmpp/memory_muc_store.hpp"

using namespace confab;
using namespace confab::xmpp;
using namespace confab::xmpp::test;

namespace {

const std::string room_jid = "coven@conference.example.com";

class MucArchive : public ::testing::Test {
 protected:
  MucConfig config() const {
    MucConfig c;
    c.domain = "conference.example.com";
    c.max_archived_messages = max_archived;
    c.archive_page = 3;
    c.max_archive_page = 4;
    return c;
  }

  Lines send(MucService& muc, std::string_view stanza) {
    muc.handle_stanza(now, xml(stanza));
    Lines out;
    while (auto e = muc.poll_stanza()) out.push_back(text(*e));
    return out;
  }
  Lines join(MucService& muc, std::string_view from, std::string_view nick) {
    return send(muc, "<presence from='" + std::string(from) + "' to='" + room_jid + "/" + std::string(nick) +
                         "'><x xmlns='http://jabber.org/protocol/muc'/></presence>");
  }
  Lines say(MucService& muc, std::string_view from, std::string_view body, std::string_view extra = "") {
    return send(muc, "<message from='" + std::string(from) + "' to='" + room_jid +
                         "' type='groupchat' id='m'><body>" + std::string(body) + "</body>" + std::string(extra) +
                         "</message>");
  }
  Lines configure(MucService& muc, std::string_view fields) {
    return send(muc, "<iq from='alice@example.com/desktop' to='" + room_jid +
                         "' type='set' id='config'><query xmlns='http://jabber.org/protocol/muc#owner'>"
                         "<x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'><value>"
                         "http://jabber.org/protocol/muc#roomconfig</value></field>" +
                         std::string(fields) + "</x></query></iq>");
  }
  // A MAM query to the room from `from`, with form fields and an RSM <set/>.
  Lines query(MucService& muc, std::string_view from, std::string_view fields = "", std::string_view set = "") {
    std::string q = "<iq from='" + std::string(from) + "' to='" + room_jid +
                    "' type='set' id='q'><query xmlns='urn:xmpp:mam:2' queryid='f27'>";
    if (!fields.empty())
      q += "<x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE' type='hidden'><value>urn:xmpp:mam:2"
           "</value></field>" + std::string(fields) + "</x>";
    if (!set.empty()) q += "<set xmlns='http://jabber.org/protocol/rsm'>" + std::string(set) + "</set>";
    return send(muc, q + "</query></iq>");
  }
  // alice makes coven persistent (open, public); bob joins.
  void persistent_room(MucService& muc, std::string_view extra_fields = "") {
    join(muc, "alice@example.com/desktop", "firstwitch");
    configure(muc, "<field var='muc#roomconfig_persistentroom'><value>1</value></field>" + std::string(extra_fields));
    join(muc, "bob@example.com/laptop", "secondwitch");
  }
  static std::vector<std::string> bodies(const Lines& lines) {
    std::vector<std::string> out;
    for (const std::string& l : lines) {
      auto b = l.find("<body>");
      if (l.find("<result") == std::string::npos || b == std::string::npos) continue;
      out.push_back(l.substr(b + 6, l.find("</body>") - b - 6));
    }
    return out;
  }
  static bool has(const Lines& lines, std::string_view needle) {
    return std::any_of(lines.begin(), lines.end(), [&](const std::string& l) { return l.find(needle) != std::string::npos; });
  }
  static std::string stanza_id_of(const std::string& line) {
    const std::string marker = "<stanza-id xmlns='urn:xmpp:sid:0' id='";
    auto at = line.find(marker);
    if (at == std::string::npos) return "";
    at += marker.size();
    return line.substr(at, line.find('\'', at) - at);
  }

  std::size_t max_archived = 100;
  MemoryMucStore store;
  SeededRng rng{7};
  Instant now{};
};

}  // namespace

TEST_F(MucArchive, GroupchatInAPersistentRoomCarriesTheRoomsStanzaIdAndIsArchived) {
  MucService muc(config(), &test_wall_clock, &store, &rng);
  persistent_room(muc);
  // A stanza-id claiming to be the room's is the sender's forgery (XEP-0359 §5).
  Lines out = say(muc, "bob@example.com/laptop", "hail",
                  "<stanza-id xmlns='urn:xmpp:sid:0' id='forged' by='coven@conference.example.com'/>");
  ASSERT_EQ(out.size(), 2u);  // to alice and to bob
  const std::string id = stanza_id_of(out[0]);
  EXPECT_EQ(id.size(), 31u);  // 13 hex digits of time, 72 random bits
  EXPECT_EQ(stanza_id_of(out[1]), id);
  EXPECT_FALSE(has(out, "forged"));
  EXPECT_TRUE(has(out, "by='coven@conference.example.com'"));

  auto page = store.query_muc_archive("conference.example.com", "coven", {}).value();
  ASSERT_EQ(page.messages.size(), 1u);
  EXPECT_EQ(page.messages[0].id, id);
  EXPECT_EQ(page.messages[0].with.str(), "coven@conference.example.com/secondwitch");
  EXPECT_EQ(muc.counters().archived, 1u);

  // The room says so (§5), and a joiner's history carries the same id.
  Lines info = send(muc, "<iq from='carol@example.com/x' to='" + room_jid +
                             "' type='get' id='i'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>");
  EXPECT_TRUE(has(info, "<feature var='urn:xmpp:mam:2'/>"));
  Lines history = join(muc, "carol@example.com/x", "thirdwitch");
  EXPECT_TRUE(has(history, "id='" + id + "'"));
}

TEST_F(MucArchive, TemporaryRoomsAndServicesWithoutAnRngKeepNoArchive) {
  MucService muc(config(), &test_wall_clock, &store, &rng);
  join(muc, "alice@example.com/desktop", "firstwitch");
  configure(muc, "");  // instant, temporary
  Lines out = say(muc, "alice@example.com/desktop", "hello");
  EXPECT_FALSE(has(out, "stanza-id"));
  Lines info = send(muc, "<iq from='alice@example.com/desktop' to='" + room_jid +
                             "' type='get' id='i'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>");
  EXPECT_FALSE(has(info, "urn:xmpp:mam:2"));
  EXPECT_TRUE(has(query(muc, "alice@example.com/desktop"), "<service-unavailable"));

  MemoryMucStore other;
  MucService no_rng(config(), &test_wall_clock, &other);
  join(no_rng, "alice@example.com/desktop", "firstwitch");
  configure(no_rng, "<field var='muc#roomconfig_persistentroom'><value>1</value></field>");
  EXPECT_FALSE(has(say(no_rng, "alice@example.com/desktop", "hello"), "stanza-id"));
}

TEST_F(MucArchive, QueriesPageForwardAndBackWithRsm) {
  MucService muc(config(), &test_wall_clock, &store, &rng);
  persistent_room(muc);
  for (const char* b : {"one", "two", "three", "four", "five"}) say(muc, "alice@example.com/desktop", b);

  // No <max/>: the service's page (3); results from the room to the requester, then <fin/>.
  Lines first = query(muc, "bob@example.com/laptop");
  ASSERT_EQ(first.size(), 4u);
  EXPECT_EQ(bodies(first), (std::vector<std::string>{"one", "two", "three"}));
  EXPECT_TRUE(first[0].starts_with("<message from='coven@conference.example.com' to='bob@example.com/laptop'>"
                                   "<result xmlns='urn:xmpp:mam:2' queryid='f27' id='"));
  EXPECT_TRUE(has(first, "<delay xmlns='urn:xmpp:delay' stamp='2024-01-01T00:00:00Z'/>"));
  EXPECT_TRUE(first[3].starts_with("<iq from='coven@conference.example.com' to='bob@example.com/laptop' id='q' "
                                   "type='result'><fin xmlns='urn:xmpp:mam:2'>"));
  EXPECT_TRUE(has(first, "<count>5</count>"));
  EXPECT_FALSE(has(first, "complete='true'"));

  // The next page, after the last one seen.
  auto last = first[3].substr(first[3].find("<last>") + 6);
  last = last.substr(0, last.find('<'));
  Lines second = query(muc, "bob@example.com/laptop", "", "<max>10</max><after>" + last + "</after>");
  EXPECT_EQ(bodies(second), (std::vector<std::string>{"four", "five"}));  // max cut to 4; two remain
  EXPECT_TRUE(has(second, "complete='true'"));

  // The last page (empty <before/>), and an unknown id.
  EXPECT_EQ(bodies(query(muc, "bob@example.com/laptop", "", "<max>2</max><before/>")),
            (std::vector<std::string>{"four", "five"}));
  EXPECT_TRUE(has(query(muc, "bob@example.com/laptop", "", "<after>nope</after>"), "<item-not-found"));
  // The form (get) names the fields.
  EXPECT_TRUE(has(send(muc, "<iq from='bob@example.com/laptop' to='" + room_jid +
                                "' type='get' id='f'><query xmlns='urn:xmpp:mam:2'/></iq>"),
                  "var='with'"));
}

TEST_F(MucArchive, WithStartAndEndFilter) {
  MucService muc(config(), &test_wall_clock, &store, &rng);
  persistent_room(muc);
  say(muc, "alice@example.com/desktop", "a1");
  now += std::chrono::hours(1);
  say(muc, "bob@example.com/laptop", "b1");
  now += std::chrono::hours(1);
  say(muc, "alice@example.com/desktop", "a2");

  auto with = [&](std::string_view jid) {
    return bodies(query(muc, "bob@example.com/laptop",
                        "<field var='with'><value>" + std::string(jid) + "</value></field>"));
  };
  EXPECT_EQ(with("coven@conference.example.com/firstwitch"), (std::vector<std::string>{"a1", "a2"}));
  EXPECT_EQ(with("coven@conference.example.com/secondwitch"), (std::vector<std::string>{"b1"}));
  EXPECT_EQ(with("coven@conference.example.com"), (std::vector<std::string>{"a1", "b1", "a2"}));
  EXPECT_TRUE(with("alice@example.com").empty());  // real JIDs are not what the archive knows
  EXPECT_EQ(bodies(query(muc, "bob@example.com/laptop",
                         "<field var='start'><value>2024-01-01T00:30:00Z</value></field>"
                         "<field var='end'><value>2024-01-01T01:30:00Z</value></field>")),
            (std::vector<std::string>{"b1"}));
}

TEST_F(MucArchive, OpenRoomsLetAnyoneButTheBannedReadMembersOnlyRoomsOnlyMembers) {
  MucService muc(config(), &test_wall_clock, &store, &rng);
  persistent_room(muc);
  say(muc, "alice@example.com/desktop", "secret plans");
  // A non-occupant of an open room may read it (what joining would show).
  EXPECT_EQ(bodies(query(muc, "carol@example.com/x")), (std::vector<std::string>{"secret plans"}));
  // Banned: never.
  send(muc, "<iq from='alice@example.com/desktop' to='" + room_jid +
                "' type='set' id='b'><query xmlns='http://jabber.org/protocol/muc#admin'>"
                "<item affiliation='outcast' jid='carol@example.com'/></query></iq>");
  EXPECT_TRUE(has(query(muc, "carol@example.com/x"), "<forbidden"));

  // Members-only: dave (no affiliation) is refused, made a member he may read.
  configure(muc, "<field var='muc#roomconfig_membersonly'><value>1</value></field>");
  Lines refused = query(muc, "dave@example.com/d");
  EXPECT_TRUE(has(refused, "<forbidden"));
  EXPECT_FALSE(has(refused, "<result"));
  send(muc, "<iq from='alice@example.com/desktop' to='" + room_jid +
                "' type='set' id='m'><query xmlns='http://jabber.org/protocol/muc#admin'>"
                "<item affiliation='member' jid='dave@example.com'/></query></iq>");
  EXPECT_EQ(bodies(query(muc, "dave@example.com/d")), (std::vector<std::string>{"secret plans"}));
  // An unknown room is item-not-found, as for any IQ.
  EXPECT_TRUE(has(send(muc, "<iq from='dave@example.com/d' to='nowhere@conference.example.com' type='set' id='q'>"
                            "<query xmlns='urn:xmpp:mam:2'/></iq>"),
                  "<item-not-found"));
}

TEST_F(MucArchive, TheOldestGoPastTheLimit) {
  max_archived = 3;
  MucService muc(config(), &test_wall_clock, &store, &rng);
  persistent_room(muc);
  for (const char* b : {"one", "two", "three", "four", "five"}) say(muc, "alice@example.com/desktop", b);
  Lines all = query(muc, "bob@example.com/laptop", "", "<max>4</max>");
  EXPECT_EQ(bodies(all), (std::vector<std::string>{"three", "four", "five"}));
  EXPECT_TRUE(has(all, "<count>3</count>"));
}

TEST_F(MucArchive, TheArchiveSurvivesARestartAndGoesWithTheRoom) {
  {
    MucService muc(config(), &test_wall_clock, &store, &rng);
    persistent_room(muc);
    say(muc, "alice@example.com/desktop", "before");
  }
  MucService restarted(config(), &test_wall_clock, &store, &rng);
  ASSERT_EQ(restarted.restore().value(), 1u);
  join(restarted, "alice@example.com/desktop", "firstwitch");
  say(restarted, "alice@example.com/desktop", "after");
  EXPECT_EQ(bodies(query(restarted, "carol@example.com/x")), (std::vector<std::string>{"before", "after"}));

  // Destroyed: the archive goes too; a new room of the same name starts empty.
  send(restarted, "<iq from='alice@example.com/desktop' to='" + room_jid +
                      "' type='set' id='d'><query xmlns='http://jabber.org/protocol/muc#owner'><destroy/></query></iq>");
  EXPECT_EQ(store.query_muc_archive("conference.example.com", "coven", {}).value().count, 0u);
}
