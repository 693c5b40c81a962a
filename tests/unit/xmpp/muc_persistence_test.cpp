// Persistent rooms (XEP-0045 §10.2 muc#roomconfig_persistentroom) through a
// MucStore: what the service writes as a room changes, and what a new
// service (a restarted confabd) restores from it. The service is driven
// directly, as the router would, with users' full JIDs stamped.
#include "muc_play.hpp"
#include "xmpp/memory_muc_store.hpp"

using namespace confab;
using namespace confab::xmpp;
using namespace confab::xmpp::test;

namespace {

const std::string persistent_form =
    "<iq from='alice@example.com/desktop' to='coven@conference.example.com' type='set' id='config'>"
    "<query xmlns='http://jabber.org/protocol/muc#owner'><x xmlns='jabber:x:data' type='submit'>"
    "<field var='FORM_TYPE'><value>http://jabber.org/protocol/muc#roomconfig</value></field>"
    "<field var='muc#roomconfig_persistentroom'><value>1</value></field>"
    "<field var='muc#roomconfig_roomname'><value>The Coven</value></field>"
    "<field var='muc#roomconfig_membersonly'><value>0</value></field>"
    "<field var='muc#maxhistoryfetch'><value>5</value></field></x></query></iq>";

class MucPersistence : public ::testing::Test {
 protected:
  static MucConfig config() {
    MucConfig c;
    c.domain = "conference.example.com";
    c.max_history = 3;  // the store keeps the newest three
    return c;
  }

  // Hands `stanza` to `muc` and returns what it sent, serialized.
  Lines send(MucService& muc, std::string_view stanza) {
    muc.handle_stanza(now, xml(stanza));
    Lines out;
    while (auto e = muc.poll_stanza()) out.push_back(text(*e));
    return out;
  }

  Lines join(MucService& muc, std::string_view from, std::string_view nick) {
    return send(muc, "<presence from='" + std::string(from) + "' to='coven@conference.example.com/" +
                         std::string(nick) + "'><x xmlns='http://jabber.org/protocol/muc'/></presence>");
  }

  Lines say(MucService& muc, std::string_view from, std::string_view body) {
    return send(muc, "<message from='" + std::string(from) +
                         "' to='coven@conference.example.com' type='groupchat' id='m'><body>" + std::string(body) +
                         "</body></message>");
  }

  // alice creates coven, makes it persistent, sets a subject, bans carol,
  // makes dave a member, and says four things.
  void build_room(MucService& muc) {
    join(muc, "alice@example.com/desktop", "firstwitch");
    send(muc, persistent_form);
    send(muc, "<message from='alice@example.com/desktop' to='coven@conference.example.com' type='groupchat'>"
              "<subject>Fire Burn and Cauldron Bubble!</subject></message>");
    send(muc, "<iq from='alice@example.com/desktop' to='coven@conference.example.com' type='set' id='a'>"
              "<query xmlns='http://jabber.org/protocol/muc#admin'>"
              "<item affiliation='outcast' jid='carol@example.com'><reason>Treason</reason></item>"
              "<item affiliation='member' jid='dave@example.com' nick='fourthwitch'/></query></iq>");
    for (const char* body : {"one", "two", "three", "four"}) say(muc, "alice@example.com/desktop", body);
  }

  MemoryMucStore store;
  Instant now{};
};

}  // namespace

TEST_F(MucPersistence, APersistentRoomIsStoredWithItsConfigurationAffiliationsSubjectAndHistory) {
  MucService muc(config(), &test_wall_clock, &store);
  build_room(muc);
  auto rooms = store.muc_rooms("conference.example.com").value();
  ASSERT_EQ(rooms.size(), 1u);
  const MucRoomRecord& r = rooms.front();
  EXPECT_EQ(r.id, "coven");
  EXPECT_TRUE(r.config.persistent);
  EXPECT_EQ(r.config.name, "The Coven");
  EXPECT_EQ(r.config.max_history, 3u);  // capped to the service's
  ASSERT_EQ(r.affiliations.size(), 3u);
  EXPECT_EQ(r.affiliations[0], (MucAffiliationRecord{Jid::parse("alice@example.com").value(), Affiliation::owner, "", ""}));
  EXPECT_EQ(r.affiliations[1],
            (MucAffiliationRecord{Jid::parse("carol@example.com").value(), Affiliation::outcast, "", "Treason"}));
  EXPECT_EQ(r.affiliations[2],
            (MucAffiliationRecord{Jid::parse("dave@example.com").value(), Affiliation::member, "fourthwitch", ""}));
  ASSERT_TRUE(r.subject);
  EXPECT_EQ(r.subject->text, "Fire Burn and Cauldron Bubble!");
  EXPECT_EQ(r.subject->nick, "firstwitch");
  ASSERT_EQ(r.history.size(), 3u);  // the oldest went
  EXPECT_EQ(text(r.history[0].stanza),
            "<message from='coven@conference.example.com/firstwitch' type='groupchat' id='m'><body>two</body>"
            "<delay xmlns='urn:xmpp:delay' from='coven@conference.example.com' stamp='2024-01-01T00:00:00Z'/>"
            "</message>");
}

TEST_F(MucPersistence, EachChangeIsOneWriteOfWhatChanged) {
  MucService muc(config(), &test_wall_clock, &store);
  join(muc, "alice@example.com/desktop", "firstwitch");
  EXPECT_EQ(store.writes(), 0u);  // locked and temporary: nothing to keep
  send(muc, persistent_form);
  EXPECT_EQ(store.writes(), 1u);  // the room whole
  say(muc, "alice@example.com/desktop", "hello");
  EXPECT_EQ(store.writes(), 2u);  // one history row
  join(muc, "bob@example.com/laptop", "secondwitch");
  send(muc, "<presence from='bob@example.com/laptop' to='coven@conference.example.com/secondwitch' type='unavailable'/>");
  EXPECT_EQ(store.writes(), 2u);  // occupants come and go unrecorded
}

TEST_F(MucPersistence, ARestartedServiceHasTheRoomBackEmptyAndUnlocked) {
  {
    MucService muc(config(), &test_wall_clock, &store);
    build_room(muc);
    // The last occupant leaves: a persistent room stays.
    send(muc, "<presence from='alice@example.com/desktop' to='coven@conference.example.com/firstwitch' "
              "type='unavailable'/>");
    ASSERT_NE(muc.room("coven"), nullptr);
  }
  now += std::chrono::minutes(10);
  MucService restarted(config(), &test_wall_clock, &store);
  ASSERT_EQ(restarted.restore().value(), 1u);
  const MucRoom* room = restarted.room("coven");
  ASSERT_NE(room, nullptr);
  EXPECT_EQ(room->occupant_count(), 0u);
  EXPECT_FALSE(room->locked());
  EXPECT_EQ(room->name(), "The Coven");

  // bob joins: no 201 (it exists), the stored history with its first
  // stamps, then the subject as it was set.
  Lines bob = join(restarted, "bob@example.com/laptop", "secondwitch");
  ASSERT_EQ(bob.size(), 5u);
  EXPECT_TRUE(bob[0].find("status code='110'") != std::string::npos) << bob[0];
  EXPECT_EQ(bob[0].find("code='201'"), std::string::npos);
  EXPECT_EQ(bob[1],
            "<message from='coven@conference.example.com/firstwitch' type='groupchat' id='m' to='bob@example.com/laptop'>"
            "<body>two</body><delay xmlns='urn:xmpp:delay' from='coven@conference.example.com' "
            "stamp='2024-01-01T00:00:00Z'/></message>");
  EXPECT_TRUE(bob[3].find("<body>four</body>") != std::string::npos);
  EXPECT_EQ(bob[4],
            "<message from='coven@conference.example.com/firstwitch' to='bob@example.com/laptop' type='groupchat'>"
            "<subject>Fire Burn and Cauldron Bubble!</subject><delay xmlns='urn:xmpp:delay' "
            "from='coven@conference.example.com' stamp='2024-01-01T00:00:00Z'/></message>");

  // carol is still banned; dave's membership and reserved nick are kept;
  // alice is still the owner.
  EXPECT_TRUE(join(restarted, "carol@example.com/pda", "thirdwitch").front().find("<forbidden") != std::string::npos);
  bool member = false;
  for (const std::string& l : join(restarted, "dave@example.com/x", "fourthwitch"))
    if (l.find("to='dave@example.com/x'") != std::string::npos && l.find("code='110'") != std::string::npos)
      member = l.find("affiliation='member'") != std::string::npos;
  EXPECT_TRUE(member);
  Lines alice = join(restarted, "alice@example.com/desktop", "firstwitch");
  EXPECT_TRUE(alice.back().find("<subject>") != std::string::npos);
  bool owner = false;
  for (const std::string& l : alice)
    if (l.find("to='alice@example.com/desktop'") != std::string::npos && l.find("code='110'") != std::string::npos)
      owner = l.find("affiliation='owner'") != std::string::npos;
  EXPECT_TRUE(owner);

  // New messages keep being stored after the restart.
  say(restarted, "bob@example.com/laptop", "five");
  EXPECT_TRUE(text(store.muc_rooms("conference.example.com").value().front().history.back().stanza).find("five") !=
              std::string::npos);
}

TEST_F(MucPersistence, ATemporaryRoomIsNeverStoredAndMakingOneTemporaryDeletesIt) {
  MucService muc(config(), &test_wall_clock, &store);
  join(muc, "alice@example.com/desktop", "firstwitch");
  send(muc, "<iq from='alice@example.com/desktop' to='coven@conference.example.com' type='set' id='create'>"
            "<query xmlns='http://jabber.org/protocol/muc#owner'><x xmlns='jabber:x:data' type='submit'/></query></iq>");
  say(muc, "alice@example.com/desktop", "nobody keeps this");
  EXPECT_TRUE(store.muc_rooms("conference.example.com").value().empty());
  send(muc, persistent_form);
  EXPECT_EQ(store.muc_rooms("conference.example.com").value().size(), 1u);
  send(muc, "<iq from='alice@example.com/desktop' to='coven@conference.example.com' type='set' id='c2'>"
            "<query xmlns='http://jabber.org/protocol/muc#owner'><x xmlns='jabber:x:data' type='submit'>"
            "<field var='muc#roomconfig_persistentroom'><value>0</value></field></x></query></iq>");
  EXPECT_TRUE(store.muc_rooms("conference.example.com").value().empty());
}

TEST_F(MucPersistence, DestroyingARoomDeletesItFromTheStore) {
  MucService muc(config(), &test_wall_clock, &store);
  build_room(muc);
  send(muc, "<iq from='alice@example.com/desktop' to='coven@conference.example.com' type='set' id='d'>"
            "<query xmlns='http://jabber.org/protocol/muc#owner'><destroy><reason>done</reason></destroy></query></iq>");
  EXPECT_EQ(muc.room("coven"), nullptr);
  EXPECT_TRUE(store.muc_rooms("conference.example.com").value().empty());
  MucService restarted(config(), &test_wall_clock, &store);
  EXPECT_EQ(restarted.restore().value(), 0u);
}

TEST_F(MucPersistence, AFailedWriteIsCountedAndTheRoomIsStoredWholeAtItsNextChange) {
  MucService muc(config(), &test_wall_clock, &store);
  build_room(muc);
  store.set_failing(true);
  say(muc, "alice@example.com/desktop", "lost?");
  EXPECT_EQ(muc.counters().store_errors, 1u);
  store.set_failing(false);
  say(muc, "alice@example.com/desktop", "after");
  auto history = store.muc_rooms("conference.example.com").value().front().history;
  ASSERT_EQ(history.size(), 3u);
  EXPECT_TRUE(text(history[1].stanza).find("lost?") != std::string::npos);
  EXPECT_TRUE(text(history[2].stanza).find("after") != std::string::npos);
}

TEST_F(MucPersistence, ASelfPingIsAnsweredByTheRoomWhileJoinedAndNotAcceptableOtherwise) {
  // XEP-0410.
  MucService muc(config(), &test_wall_clock, &store);
  join(muc, "alice@example.com/desktop", "firstwitch");
  const std::string ping = "<iq from='alice@example.com/desktop' to='coven@conference.example.com/firstwitch' "
                           "type='get' id='p'><ping xmlns='urn:xmpp:ping'/></iq>";
  EXPECT_EQ(send(muc, ping), Lines{"<iq from='coven@conference.example.com/firstwitch' to='alice@example.com/desktop' "
                                   "id='p' type='result'/>"});
  join(muc, "bob@example.com/laptop", "secondwitch");
  Lines out = send(muc, "<iq from='carol@example.com/pda' to='coven@conference.example.com/firstwitch' type='get' "
                        "id='p'><ping xmlns='urn:xmpp:ping'/></iq>");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(out[0].find("<not-acceptable") != std::string::npos) << out[0];
}
