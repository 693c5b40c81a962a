// The MUC service as a router component: XEP-0030 discovery from the
// server down to a room (XEP-0045 §6), occupants leaving when their
// session ends (§7.14), temporary and persistent rooms, XEP-0410
// self-pings, blocking, and stanzas that make no sense.
#include "muc_play.hpp"

using namespace confab::xmpp;
using namespace confab::xmpp::test;

namespace {

class MucServiceTest : public MucPlay {
 protected:
  void SetUp() override {
    alice = login("alice@example.com", "desktop");
    bob = login("bob@example.com", "laptop");
  }

  void iq(const Client& c, std::string_view to, std::string_view payload, std::string_view type = "get") {
    send(c, "<iq to='" + std::string(to) + "' type='" + std::string(type) + "' id='q'>" + std::string(payload) + "</iq>");
  }

  std::size_t occupants(const std::string& room) const {
    const MucRoom* r = muc.room(room);
    return r ? r->occupant_count() : 0;
  }

  Client alice, bob;
};

const std::string disco_info = "<query xmlns='http://jabber.org/protocol/disco#info'/>";
const std::string disco_items = "<query xmlns='http://jabber.org/protocol/disco#items'/>";

}  // namespace

TEST_F(MucServiceTest, TheServerListsTheChatServiceInItsItems) {
  iq(alice, "example.com", disco_items);
  // §6.1
  EXPECT_EQ(inbox(alice), Lines{"<iq from='example.com' to='alice@example.com/desktop' id='q' type='result'><query "
                                "xmlns='http://jabber.org/protocol/disco#items'><item jid='conference.example.com' "
                                "name='Chatrooms'/></query></iq>"});
}

TEST_F(MucServiceTest, TheServiceIsAConferenceServiceSpeakingMuc) {
  iq(alice, "conference.example.com", disco_info);
  // §6.2
  EXPECT_EQ(inbox(alice), Lines{"<iq from='conference.example.com' to='alice@example.com/desktop' id='q' "
                                "type='result'><query xmlns='http://jabber.org/protocol/disco#info'><identity "
                                "category='conference' name='Chatrooms' type='text'/><feature "
                                "var='http://jabber.org/protocol/disco#info'/><feature "
                                "var='http://jabber.org/protocol/disco#items'/><feature "
                                "var='http://jabber.org/protocol/muc'/><feature "
                                "var='http://jabber.org/protocol/muc#stable_id'/><feature var='urn:xmpp:ping'/></query></iq>"});
}

TEST_F(MucServiceTest, TheServiceListsPublicRoomsButNotHiddenOrLockedOnes) {
  create_instant(alice, "coven", "firstwitch");
  configure(alice, "coven", {{"muc#roomconfig_roomname", "A Dark Cave"}});
  create_instant(alice, "heath", "firstwitch");
  configure(alice, "heath", {{"muc#roomconfig_publicroom", "0"}});
  join(alice, "forres", "firstwitch");  // locked
  forget();
  iq(bob, "conference.example.com", disco_items);
  // §6.3
  EXPECT_EQ(inbox(bob), Lines{"<iq from='conference.example.com' to='bob@example.com/laptop' id='q' type='result'>"
                              "<query xmlns='http://jabber.org/protocol/disco#items'><item "
                              "jid='coven@conference.example.com' name='A Dark Cave'/></query></iq>"});
}

TEST_F(MucServiceTest, ARoomDescribesItselfBeforeAnyoneJoins) {
  create_instant(alice, "coven", "firstwitch");
  configure(alice, "coven", {{"muc#roomconfig_roomdesc", "The place for all good witches!"}});
  forget();
  iq(bob, "coven@conference.example.com", disco_info);
  // §6.4, with XEP-0128's muc#roominfo form.
  EXPECT_EQ(inbox(bob),
            Lines{"<iq from='coven@conference.example.com' to='bob@example.com/laptop' id='q' type='result'><query "
                  "xmlns='http://jabber.org/protocol/disco#info'><identity category='conference' name='coven' "
                  "type='text'/><feature var='http://jabber.org/protocol/disco#info'/><feature "
                  "var='http://jabber.org/protocol/muc'/><feature var='http://jabber.org/protocol/muc#stable_id'/><feature "
                  "var='http://jabber.org/protocol/muc#self-ping-optimization'/><feature "
                  "var='muc_public'/><feature var='muc_temporary'/><feature var='muc_open'/><feature "
                  "var='muc_unmoderated'/><feature var='muc_semianonymous'/><feature var='muc_unsecured'/><x "
                  "xmlns='jabber:x:data' type='result'><field var='FORM_TYPE' "
                  "type='hidden'><value>http://jabber.org/protocol/muc#roominfo</value></field><field "
                  "var='muc#roominfo_description' label='Description'><value>The place for all good "
                  "witches!</value></field><field var='muc#roominfo_occupants' label='Number of "
                  "occupants'><value>1</value></field><field var='muc#roomconfig_changesubject' label='Occupants may "
                  "change the subject'><value>0</value></field><field var='muc#maxhistoryfetch' label='Maximum number "
                  "of history messages'><value>20</value></field></x></query></iq>"});
  // §6.5: the occupants are private.
  iq(bob, "coven@conference.example.com", disco_items);
  EXPECT_EQ(inbox(bob), Lines{"<iq from='coven@conference.example.com' to='bob@example.com/laptop' id='q' "
                              "type='result'><query xmlns='http://jabber.org/protocol/disco#items'/></iq>"});
  // A room that is not there.
  iq(bob, "heath@conference.example.com", disco_info);
  EXPECT_TRUE(has(inbox(bob), "<item-not-found"));
}

TEST_F(MucServiceTest, ClosingASessionTakesItsOccupantOutOfEveryRoom) {
  create_instant(alice, "coven", "firstwitch");
  create_instant(alice, "heath", "firstwitch");
  join(bob, "coven", "secondwitch");
  join(bob, "heath", "secondwitch");
  forget();
  close(bob);
  // §7.14: the server sends unavailable presence on the user's behalf.
  EXPECT_EQ(inbox(alice),
            (Lines{"<presence from='coven@conference.example.com/secondwitch' to='alice@example.com/desktop' "
                   "type='unavailable'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' "
                   "jid='bob@example.com/laptop' role='none'/></x></presence>",
                   "<presence from='heath@conference.example.com/secondwitch' to='alice@example.com/desktop' "
                   "type='unavailable'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' "
                   "jid='bob@example.com/laptop' role='none'/></x></presence>"}));
  EXPECT_EQ(occupants("coven"), 1u);
  EXPECT_EQ(occupants("heath"), 1u);
  EXPECT_EQ(inbox(bob), Lines{});
}

TEST_F(MucServiceTest, ASessionReplacedByANewOneLeavesToo) {
  create_instant(alice, "coven", "firstwitch");
  join(bob, "coven", "secondwitch");
  forget();
  Client bob2 = connect("bob@example.com", "laptop");  // RFC 6120 §7.7.2.2: the old session loses
  EXPECT_TRUE(has(inbox(alice), "type='unavailable'"));
  EXPECT_EQ(occupants("coven"), 1u);
  join(bob2, "coven", "secondwitch");
  EXPECT_TRUE(has(inbox(bob2), "<status code='110'/>"));
}

TEST_F(MucServiceTest, GoingUnavailableLeavesEveryRoom) {
  create_instant(alice, "coven", "firstwitch");
  join(bob, "coven", "secondwitch");
  forget();
  send(bob, "<presence type='unavailable'><status>off to bed</status></presence>");
  // The exit message goes along (§7.14), and bob hears his own exit.
  EXPECT_TRUE(has(inbox(alice), "<status>off to bed</status>"));
  EXPECT_TRUE(has(inbox(bob), "<status code='110'/>"));
  EXPECT_EQ(occupants("coven"), 1u);
}

TEST_F(MucServiceTest, LeavingExplicitlyTellsTheLeaverThenTheOthers) {
  create_instant(alice, "coven", "firstwitch");
  join(bob, "coven", "secondwitch");
  forget();
  send(bob, "<presence to='coven@conference.example.com/secondwitch' type='unavailable'/>");
  EXPECT_EQ(inbox(bob), Lines{"<presence from='coven@conference.example.com/secondwitch' to='bob@example.com/laptop' "
                              "type='unavailable'><x xmlns='http://jabber.org/protocol/muc#user'><item "
                              "affiliation='none' jid='bob@example.com/laptop' role='none'/><status "
                              "code='110'/></x></presence>"});
  EXPECT_EQ(inbox(alice).size(), 1u);
  // §17.2.5: unavailable from someone not in the room is ignored.
  send(bob, "<presence to='coven@conference.example.com/secondwitch' type='unavailable'/>");
  EXPECT_EQ(inbox(bob), Lines{});
  EXPECT_EQ(inbox(alice), Lines{});
}

TEST_F(MucServiceTest, ATemporaryRoomGoesWithItsLastOccupantAPersistentOneStays) {
  create_instant(alice, "coven", "firstwitch");
  send(alice, "<presence to='coven@conference.example.com/firstwitch' type='unavailable'/>");
  EXPECT_EQ(muc.room("coven"), nullptr);
  create_instant(alice, "heath", "firstwitch");
  configure(alice, "heath", {{"muc#roomconfig_persistentroom", "1"}});
  send(alice, "<presence to='heath@conference.example.com/firstwitch' type='unavailable'/>");
  ASSERT_NE(muc.room("heath"), nullptr);
  forget();
  // Still there, and still the owner's: she comes back as owner.
  join(alice, "heath", "firstwitch");
  EXPECT_TRUE(has(inbox(alice), "<item affiliation='owner' jid='alice@example.com/desktop' role='moderator'/>"));
  EXPECT_EQ(muc.counters().rooms, 1u);
  EXPECT_EQ(muc.counters().rooms_created, 2u);
  EXPECT_EQ(muc.counters().rooms_removed, 1u);
}

TEST_F(MucServiceTest, ASelfPingSaysWhetherTheClientIsStillInTheRoom) {
  create_instant(alice, "coven", "firstwitch");
  iq(alice, "coven@conference.example.com/firstwitch", "<ping xmlns='urn:xmpp:ping'/>");
  EXPECT_EQ(inbox(alice), Lines{"<iq from='coven@conference.example.com/firstwitch' to='alice@example.com/desktop' "
                                "id='q' type='result'/>"});
  // XEP-0410 §3.2: not-acceptable once it is not.
  iq(bob, "coven@conference.example.com/secondwitch", "<ping xmlns='urn:xmpp:ping'/>");
  EXPECT_TRUE(has(inbox(bob), "<not-acceptable"));
  // §6.6: other IQs to an occupant JID from outside are a bad request.
  iq(bob, "coven@conference.example.com/firstwitch", disco_info);
  EXPECT_TRUE(has(inbox(bob), "<bad-request"));
}

TEST_F(MucServiceTest, AUserWhoBlocksARoomHearsNothingFromIt) {
  create_instant(alice, "coven", "firstwitch");
  join(bob, "coven", "secondwitch");
  send(bob, "<iq type='set' id='b'><block xmlns='urn:xmpp:blocking'><item jid='coven@conference.example.com'/></block></iq>");
  forget();
  send(alice, "<message to='coven@conference.example.com' type='groupchat'><body>hello?</body></message>");
  EXPECT_EQ(inbox(bob), Lines{});
  // And what bob sends there comes back refused (XEP-0191 §3.5).
  send(bob, "<message to='coven@conference.example.com' type='groupchat'><body>hi</body></message>");
  EXPECT_TRUE(has(inbox(bob), "<blocked xmlns='urn:xmpp:blocking:errors'/>"));
}

TEST_F(MucServiceTest, AComponentCannotTakeALocalDomainOrAnotherComponents) {
  MucConfig c = muc_config();
  MucService same(c, &test_wall_clock);
  EXPECT_FALSE(router.add_component(same));
  c.domain = "example.com";
  MucService local(c, &test_wall_clock);
  EXPECT_FALSE(router.add_component(local));
}

TEST_F(MucServiceTest, TheRouterCountsWhatGoesToAndFromComponents) {
  create_instant(alice, "coven", "firstwitch");
  const auto before = router.counters();
  send(alice, "<message to='coven@conference.example.com' type='groupchat'><body>x</body></message>");
  EXPECT_EQ(router.counters().to_components, before.to_components + 1);
  EXPECT_EQ(router.counters().from_components, before.from_components + 1);
}

TEST_F(MucServiceTest, NonsenseIsAnsweredOrIgnoredButNeverBreaksTheRoom) {
  create_instant(alice, "coven", "firstwitch");
  join(bob, "coven", "secondwitch");
  forget();
  const std::string room = "coven@conference.example.com";
  const std::string admin_ns = "http://jabber.org/protocol/muc#admin";
  struct Case {
    std::string stanza;
    std::string answer;  // "" for nothing
    bool owner = false;  // sent by the owner, alice, rather than bob
  };
  const std::vector<Case> cases = {
      {"<iq to='" + room + "' type='get' id='1'/>", "<bad-request"},
      {"<iq to='" + room + "' type='get' id='2'>" + disco_info + disco_items + "</iq>", "<bad-request"},
      {"<iq to='" + room + "' type='get'>" + disco_info + "</iq>", "<bad-request"},
      {"<iq to='" + room + "' type='set' id='3'><query xmlns='" + admin_ns + "'/></iq>", "<bad-request"},
      {"<iq to='" + room + "' type='set' id='4'><query xmlns='" + admin_ns + "'><item/></query></iq>", "<bad-request"},
      {"<iq to='" + room + "' type='set' id='5'><query xmlns='" + admin_ns + "'><item nick='secondwitch' role='king'/></query></iq>", "<bad-request"},
      {"<iq to='" + room + "' type='set' id='6'><query xmlns='" + admin_ns + "'><item role='none'/></query></iq>", "<bad-request"},
      {"<iq to='" + room + "' type='set' id='7'><query xmlns='" + admin_ns + "'><item affiliation='member' jid='@@'/></query></iq>", "<jid-malformed"},
      {"<iq to='" + room + "' type='set' id='8'><query xmlns='" + admin_ns + "'><item nick='nobody' role='none'/></query></iq>", "<item-not-found"},
      {"<iq to='" + room + "' type='get' id='9'><query xmlns='" + admin_ns + "'><item affiliation='none'/></query></iq>", "<bad-request"},
      {"<iq to='" + room + "' type='get' id='10'><query xmlns='" + admin_ns + "'><item role='moderator'/><item role='visitor'/></query></iq>", "<bad-request"},
      {"<iq to='" + room + "' type='set' id='11'><query xmlns='http://jabber.org/protocol/muc#owner'><foo/></query></iq>", "<bad-request", true},
      {"<iq to='" + room + "' type='set' id='12'><query xmlns='http://jabber.org/protocol/muc#owner'><x xmlns='jabber:x:data' type='bogus'/></query></iq>", "<bad-request", true},
      {"<iq to='" + room + "' type='set' id='13'><query xmlns='http://jabber.org/protocol/muc#owner'><x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'><value>urn:other</value></field></x></query></iq>", "<bad-request", true},
      {"<iq to='" + room + "' type='set' id='14'><query xmlns='jabber:iq:register'/></iq>", "<service-unavailable"},
      {"<iq to='" + room + "' type='set' id='15'>" + disco_info + "</iq>", "<feature-not-implemented"},
      {"<iq to='" + room + "' type='get' id='16'><query xmlns='http://jabber.org/protocol/disco#info' node='x'/></iq>", "<item-not-found"},
      {"<iq to='" + room + "' type='result' id='17'/>", ""},
      {"<iq to='" + room + "' type='bogus' id='18'>" + disco_info + "</iq>", ""},
      {"<message to='" + room + "'><x xmlns='http://jabber.org/protocol/muc#user'><invite/></x></message>", "<jid-malformed"},
      {"<message to='" + room + "'><x xmlns='http://jabber.org/protocol/muc#user'><decline/></x></message>", "<jid-malformed"},
      {"<message to='" + room + "'><x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'><value>http://jabber.org/protocol/muc#request</value></field><field var='muc#role'><value>moderator</value></field></x></message>", "<bad-request"},
      {"<message to='" + room + "'><x xmlns='jabber:x:data' type='submit'><field><value>v</value></field></x></message>", "<bad-request"},
      {"<message to='" + room + "' type='error'><body>x</body></message>", ""},
      {"<message to='" + room + "/firstwitch' type='error'/>", ""},
      {"<presence to='" + room + "/secondwitch' type='probe'/>", ""},
      {"<presence to='" + room + "/secondwitch' type='subscribe'/>", ""},
      {"<presence to='" + room + "' type='error'/>", ""},
      {"<message to='conference.example.com'><body>hi</body></message>", "<service-unavailable"},
      {"<presence to='conference.example.com'/>", ""},
      {"<iq to='conference.example.com/x' type='get' id='19'>" + disco_info + "</iq>", "<service-unavailable"},
      {"<iq to='conference.example.com' type='get' id='20'><query xmlns='jabber:iq:search'/></iq>", "<service-unavailable"},
      {"<iq to='conference.example.com' type='get' id='21'><query xmlns='http://jabber.org/protocol/disco#items' node='n'/></iq>", "<item-not-found"},
      {"<message to='heath@conference.example.com/nick' type='chat'><body>?</body></message>", "<item-not-found"},
      {"<presence to='heath@conference.example.com/nick' type='unavailable'/>", ""},
      {"<presence to='heath@conference.example.com'/>", "<jid-malformed"},
  };
  for (const Case& c : cases) {
    const Client& sender = c.owner ? alice : bob;
    send(sender, c.stanza);
    auto got = inbox(sender);
    if (c.answer.empty()) {
      EXPECT_EQ(got, Lines{}) << c.stanza;
    } else {
      ASSERT_EQ(got.size(), 1u) << c.stanza;
      EXPECT_NE(got[0].find(c.answer), std::string::npos) << c.stanza << "\n" << got[0];
    }
    EXPECT_EQ(inbox(c.owner ? bob : alice), Lines{}) << c.stanza;
  }
  // A history request that makes no sense is no request.
  Client carol = login("carol@example.com", "pda");
  send(alice, "<message to='" + room + "' type='groupchat'><body>one</body></message>");
  join(carol, "coven", "thirdwitch", "<history maxstanzas='-1' maxchars='x' seconds='' since='yesterday'/>");
  EXPECT_TRUE(has(inbox(carol), "<body>one</body>"));
  // The room still works.
  send(bob, "<message to='" + room + "' type='groupchat'><body>still here</body></message>");
  EXPECT_TRUE(has(inbox(alice), "still here"));
  EXPECT_EQ(occupants("coven"), 3u);
}
