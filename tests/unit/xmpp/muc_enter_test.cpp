// XEP-0045 §7.1-§7.2 and §10.1: creating a room (locked until configured,
// or instant), entering it (the order of what the newcomer gets, items and
// status codes), and the errors that keep people out.
#include "muc_play.hpp"

using namespace confab::xmpp;
using namespace confab::xmpp::test;

namespace {

class MucEnter : public MucPlay {};

const std::string muc_x = "<x xmlns='http://jabber.org/protocol/muc'/>";

}  // namespace

TEST_F(MucEnter, TheFirstJoinCreatesALockedRoomOwnedByTheCreator) {
  Client alice = login("alice@example.com", "desktop");
  send(alice, "<presence to='coven@conference.example.com/firstwitch' id='n1'>" + muc_x + "</presence>");
  // §10.1.1: owner and moderator, 110 (itself) and 201 (a new room); then
  // the (empty) subject, which tells the client the join is complete.
  EXPECT_EQ(inbox(alice),
            (Lines{"<presence from='coven@conference.example.com/firstwitch' to='alice@example.com/desktop' id='n1'>"
                   "<x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='owner' jid='alice@example.com/desktop' "
                   "role='moderator'/><status code='110'/><status code='201'/></x></presence>",
                   "<message from='coven@conference.example.com' to='alice@example.com/desktop' type='groupchat'>"
                   "<subject/></message>"}));
  ASSERT_NE(muc.room("coven"), nullptr);
  EXPECT_TRUE(muc.room("coven")->locked());
}

TEST_F(MucEnter, ALockedRoomDoesNotExistForOthersUntilTheOwnerAsksForAnInstantRoom) {
  Client alice = login("alice@example.com", "desktop");
  Client bob = login("bob@example.com", "phone");
  join(alice, "coven", "firstwitch");
  join(bob, "coven", "secondwitch");
  EXPECT_EQ(inbox(bob), Lines{"<presence from='coven@conference.example.com/secondwitch' to='bob@example.com/phone' "
                              "type='error'><x xmlns='http://jabber.org/protocol/muc'/><error type='cancel' "
                              "by='coven@conference.example.com'><item-not-found "
                              "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/><text "
                              "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>the room is locked until its owner "
                              "configures it</text></error></presence>"});
  forget();
  // §10.1.2: an empty submitted form accepts the defaults and unlocks it.
  send(alice, "<iq to='coven@conference.example.com' type='set' id='create1'><query "
              "xmlns='http://jabber.org/protocol/muc#owner'><x xmlns='jabber:x:data' type='submit'/></query></iq>");
  EXPECT_EQ(inbox(alice), Lines{"<iq from='coven@conference.example.com' to='alice@example.com/desktop' id='create1' "
                                "type='result'/>"});
  EXPECT_FALSE(muc.room("coven")->locked());
  join(bob, "coven", "secondwitch");
  EXPECT_TRUE(has(inbox(bob), "<status code='110'/>"));
}

TEST_F(MucEnter, ThreeWitchesJoinAndEachSeesTheRosterThenItselfThenTheSubject) {
  Client alice = login("alice@example.com", "desktop");
  Client bob = login("bob@example.com", "laptop");
  Client carol = login("carol@example.com", "pda");
  create_instant(alice, "coven", "firstwitch");
  join(bob, "coven", "secondwitch");
  forget();
  send(carol, "<presence to='coven@conference.example.com/thirdwitch' id='j3'>" + muc_x + "</presence>");
  // §7.1 / §7.2.3: the others' presence, then its own (110), then the
  // subject. A semi-anonymous room shows real JIDs to moderators only.
  EXPECT_EQ(inbox(carol),
            (Lines{"<presence from='coven@conference.example.com/firstwitch' to='carol@example.com/pda'><x "
                   "xmlns='http://jabber.org/protocol/muc#user'><item affiliation='owner' role='moderator'/></x></presence>",
                   "<presence from='coven@conference.example.com/secondwitch' to='carol@example.com/pda'><x "
                   "xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' role='participant'/></x></presence>",
                   "<presence from='coven@conference.example.com/thirdwitch' to='carol@example.com/pda' id='j3'><x "
                   "xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' jid='carol@example.com/pda' "
                   "role='participant'/><status code='110'/></x></presence>",
                   "<message from='coven@conference.example.com' to='carol@example.com/pda' type='groupchat'>"
                   "<subject/></message>"}));
  // The moderator sees carol's JID, the participant does not.
  EXPECT_EQ(inbox(alice), Lines{"<presence from='coven@conference.example.com/thirdwitch' to='alice@example.com/desktop'>"
                                "<x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' "
                                "jid='carol@example.com/pda' role='participant'/></x></presence>"});
  EXPECT_EQ(inbox(bob), Lines{"<presence from='coven@conference.example.com/thirdwitch' to='bob@example.com/laptop'>"
                              "<x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' "
                              "role='participant'/></x></presence>"});
  EXPECT_EQ(muc.room("coven")->occupant_count(), 3u);
}

TEST_F(MucEnter, PresencePayloadIsReflectedButMucExtensionsAreNot) {
  Client alice = login("alice@example.com", "desktop");
  Client bob = login("bob@example.com", "laptop");
  create_instant(alice, "coven", "firstwitch");
  send(bob, "<presence to='coven@conference.example.com/secondwitch'><show>away</show><x "
            "xmlns='http://jabber.org/protocol/muc'><password>x</password></x><x "
            "xmlns='http://jabber.org/protocol/muc#user'><item affiliation='owner'/></x></presence>");
  // §17.2.6: the client's MUC payloads (its password, made-up items) stay in the room.
  EXPECT_EQ(inbox(alice), Lines{"<presence from='coven@conference.example.com/secondwitch' to='alice@example.com/desktop'>"
                                "<show>away</show><x xmlns='http://jabber.org/protocol/muc#user'><item "
                                "affiliation='none' jid='bob@example.com/laptop' role='participant'/></x></presence>"});
}

TEST_F(MucEnter, ANonAnonymousRoomShowsEveryoneTheJidsAndWarnsWith100) {
  Client alice = login("alice@example.com", "desktop");
  Client bob = login("bob@example.com", "laptop");
  Client carol = login("carol@example.com", "pda");
  create_instant(alice, "coven", "firstwitch");
  configure(alice, "coven", {{"muc#roomconfig_whois", "anyone"}});
  join(bob, "coven", "secondwitch");
  forget();
  join(carol, "coven", "thirdwitch");
  auto got = inbox(carol);
  ASSERT_EQ(got.size(), 4u);
  EXPECT_NE(got[1].find("jid='bob@example.com/laptop'"), std::string::npos);
  // §7.2.4: 100 in the newcomer's own presence.
  EXPECT_NE(got[2].find("<status code='100'/><status code='110'/>"), std::string::npos);
  EXPECT_TRUE(has(inbox(bob), "jid='carol@example.com/pda'"));
}

TEST_F(MucEnter, ANickInUseIsAConflict) {
  Client alice = login("alice@example.com", "desktop");
  Client bob = login("bob@example.com", "laptop");
  create_instant(alice, "coven", "firstwitch");
  join(bob, "coven", "firstwitch");
  // §7.2.9
  EXPECT_EQ(inbox(bob), Lines{"<presence from='coven@conference.example.com/firstwitch' to='bob@example.com/laptop' "
                              "type='error'><x xmlns='http://jabber.org/protocol/muc'/><error type='cancel' "
                              "by='coven@conference.example.com'><conflict xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>"
                              "<text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>that nickname is in use or "
                              "reserved</text></error></presence>"});
  EXPECT_EQ(inbox(alice), Lines{});
  EXPECT_EQ(muc.room("coven")->occupant_count(), 1u);
}

TEST_F(MucEnter, AReservedNickIsAConflictForAnyoneElse) {
  Client alice = login("alice@example.com", "desktop");
  Client bob = login("bob@example.com", "laptop");
  Client carol = login("carol@example.com", "pda");
  create_instant(alice, "coven", "firstwitch");
  admin(alice, "coven", "<item affiliation='member' jid='carol@example.com' nick='thirdwitch'/>");
  join(bob, "coven", "thirdwitch");
  EXPECT_TRUE(has(inbox(bob), "<conflict"));
  join(carol, "coven", "thirdwitch");
  EXPECT_TRUE(has(inbox(carol), "<status code='110'/>"));
  // §7.12: carol can discover it.
  send(carol, "<iq to='coven@conference.example.com' type='get' id='nick'><query "
              "xmlns='http://jabber.org/protocol/disco#info' node='x-roomuser-item'/></iq>");
  EXPECT_EQ(inbox(carol), Lines{"<iq from='coven@conference.example.com' to='carol@example.com/pda' id='nick' "
                                "type='result'><query xmlns='http://jabber.org/protocol/disco#info' "
                                "node='x-roomuser-item'><identity category='conference' name='thirdwitch' "
                                "type='text'/></query></iq>"});
}

TEST_F(MucEnter, ANickOfSpacesOrNoNickAtAllIsJidMalformed) {
  Client alice = login("alice@example.com", "desktop");
  send(alice, "<presence to='coven@conference.example.com'>" + muc_x + "</presence>");
  EXPECT_TRUE(has(inbox(alice), "<jid-malformed"));
  send(alice, "<presence to='coven@conference.example.com/   '>" + muc_x + "</presence>");
  EXPECT_TRUE(has(inbox(alice), "<jid-malformed"));
  EXPECT_EQ(muc.room("coven"), nullptr);
}

TEST_F(MucEnter, PresenceWithoutTheMucExtensionIsToldItIsNotInTheRoom) {
  Client alice = login("alice@example.com", "desktop");
  Client bob = login("bob@example.com", "laptop");
  create_instant(alice, "coven", "firstwitch");
  send(bob, "<presence to='coven@conference.example.com/secondwitch'/>");
  // §7.2.1 (1.32): an explicit kick with 110, 307 and 333.
  EXPECT_EQ(inbox(bob), Lines{"<presence from='coven@conference.example.com/secondwitch' to='bob@example.com/laptop' "
                              "type='unavailable'><x xmlns='http://jabber.org/protocol/muc#user'><item "
                              "affiliation='none' role='none'><reason>You are not in the room.</reason></item><status "
                              "code='110'/><status code='307'/><status code='333'/></x></presence>"});
  EXPECT_EQ(inbox(alice), Lines{});
  // Nor does such presence create a room.
  send(bob, "<presence to='heath@conference.example.com/bob'/>");
  EXPECT_TRUE(has(inbox(bob), "<status code='333'/>"));
  EXPECT_EQ(muc.room("heath"), nullptr);
}

TEST_F(MucEnter, ARejoinFromAnOccupantResendsTheWholeRoomState) {
  Client alice = login("alice@example.com", "desktop");
  Client bob = login("bob@example.com", "laptop");
  create_instant(alice, "coven", "firstwitch");
  join(bob, "coven", "secondwitch");
  forget();
  join(bob, "coven", "secondwitch");
  // §7.2.1: a client that lost track gets what a join gets...
  auto got = inbox(bob);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_NE(got[0].find("from='coven@conference.example.com/firstwitch'"), std::string::npos);
  EXPECT_NE(got[1].find("<status code='110'/>"), std::string::npos);
  EXPECT_NE(got[2].find("<subject/>"), std::string::npos);
  // ...and nobody else hears about an unchanged presence.
  EXPECT_EQ(inbox(alice), Lines{});
  EXPECT_EQ(muc.room("coven")->occupant_count(), 2u);
}

TEST_F(MucEnter, TheOwnerCanConfigureAReservedRoomBeforeAnyoneEnters) {
  Client alice = login("alice@example.com", "desktop");
  join(alice, "coven", "firstwitch");
  forget();
  send(alice, "<iq to='coven@conference.example.com' type='get' id='create1'><query "
              "xmlns='http://jabber.org/protocol/muc#owner'/></iq>");
  auto got = inbox(alice);
  ASSERT_EQ(got.size(), 1u);
  // §10.1.3: the form, with the current values.
  EXPECT_NE(got[0].find("<x xmlns='jabber:x:data' type='form'><title>Configuration for \"coven\" Room</title>"),
            std::string::npos);
  for (const char* var : {"muc#roomconfig_roomname", "muc#roomconfig_roomdesc", "muc#roomconfig_persistentroom",
                          "muc#roomconfig_publicroom", "muc#roomconfig_membersonly", "muc#roomconfig_moderatedroom",
                          "muc#roomconfig_passwordprotectedroom", "muc#roomconfig_roomsecret",
                          "muc#roomconfig_maxusers", "muc#roomconfig_whois", "muc#roomconfig_changesubject",
                          "muc#roomconfig_allowinvites", "muc#roomconfig_allowpm", "muc#maxhistoryfetch"})
    EXPECT_NE(got[0].find(std::string("var='") + var + "'"), std::string::npos) << var;
  EXPECT_NE(got[0].find("<field var='muc#roomconfig_whois' type='list-single' label='Who May Discover Real JIDs?'>"
                        "<value>moderators</value>"),
            std::string::npos);
  configure(alice, "coven",
            {{"muc#roomconfig_roomname", "A Dark Cave"}, {"muc#roomconfig_persistentroom", "1"},
             {"muc#roomconfig_maxusers", "20"}});
  EXPECT_EQ(inbox(alice), Lines{"<iq from='coven@conference.example.com' to='alice@example.com/desktop' id='config' "
                                "type='result'/>"});
  const MucRoom* room = muc.room("coven");
  ASSERT_NE(room, nullptr);
  EXPECT_FALSE(room->locked());
  EXPECT_EQ(room->name(), "A Dark Cave");
  EXPECT_TRUE(room->config().persistent);
  EXPECT_EQ(room->config().max_users, 20u);
}

TEST_F(MucEnter, CancellingTheFirstConfigurationDestroysTheRoom) {
  Client alice = login("alice@example.com", "desktop");
  join(alice, "coven", "firstwitch");
  forget();
  send(alice, "<iq to='coven@conference.example.com' type='set' id='c'><query "
              "xmlns='http://jabber.org/protocol/muc#owner'><x xmlns='jabber:x:data' type='cancel'/></query></iq>");
  // §10.1.3: the owner is put out (with <destroy/>), then told it is done.
  auto got = inbox(alice);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_NE(got[0].find("type='unavailable'"), std::string::npos);
  EXPECT_NE(got[0].find("<destroy/>"), std::string::npos);
  EXPECT_NE(got[1].find("type='result'"), std::string::npos);
  EXPECT_EQ(muc.room("coven"), nullptr);
}

TEST_F(MucEnter, AnOwnerLeavingBeforeConfiguringTakesTheRoomWithIt) {
  Client alice = login("alice@example.com", "desktop");
  join(alice, "coven", "firstwitch");
  send(alice, "<presence to='coven@conference.example.com/firstwitch' type='unavailable'/>");
  EXPECT_EQ(muc.room("coven"), nullptr);
}

TEST_F(MucEnter, AFullRoomTurnsAwayAllButAdminsAndOwners) {
  Client alice = login("alice@example.com", "desktop");
  Client bob = login("bob@example.com", "laptop");
  Client carol = login("carol@example.com", "pda");
  Client dave = login("dave@example.com", "home");
  create_instant(alice, "coven", "firstwitch");
  configure(alice, "coven", {{"muc#roomconfig_maxusers", "2"}});
  admin(alice, "coven", "<item affiliation='admin' jid='dave@example.com'/>");
  join(bob, "coven", "secondwitch");
  forget();
  join(carol, "coven", "thirdwitch");
  // §7.2.11: service-unavailable, to wait.
  EXPECT_TRUE(has(inbox(carol), "<error type='wait' by='coven@conference.example.com'><service-unavailable"));
  join(dave, "coven", "hecate");
  EXPECT_TRUE(has(inbox(dave), "<status code='110'/>"));
}

TEST_F(MucEnter, ConfigurationTheServiceCannotTakeIsNotAcceptable) {
  Client alice = login("alice@example.com", "desktop");
  create_instant(alice, "coven", "firstwitch");
  // §10.1.3: a password-protected room without a password.
  configure(alice, "coven", {{"muc#roomconfig_passwordprotectedroom", "1"}});
  EXPECT_TRUE(has(inbox(alice), "<not-acceptable"));
  configure(alice, "coven", {{"muc#roomconfig_maxusers", "100000"}});
  EXPECT_TRUE(has(inbox(alice), "<not-acceptable"));
  configure(alice, "coven", {{"muc#roomconfig_whois", "none"}});
  EXPECT_TRUE(has(inbox(alice), "<not-acceptable"));
  configure(alice, "coven", {{"muc#roomconfig_moderatedroom", "maybe"}});
  EXPECT_TRUE(has(inbox(alice), "<not-acceptable"));
  // Nothing changed.
  EXPECT_EQ(muc.room("coven")->config(), muc_config().room_defaults);
}

TEST_F(MucEnter, OnlyOwnersSeeOrChangeTheConfiguration) {
  Client alice = login("alice@example.com", "desktop");
  Client bob = login("bob@example.com", "laptop");
  create_instant(alice, "coven", "firstwitch");
  join(bob, "coven", "secondwitch");
  forget();
  send(bob, "<iq to='coven@conference.example.com' type='get' id='c1'><query "
            "xmlns='http://jabber.org/protocol/muc#owner'/></iq>");
  EXPECT_TRUE(has(inbox(bob), "<forbidden"));
  configure(bob, "coven", {{"muc#roomconfig_roomname", "mine"}});
  EXPECT_TRUE(has(inbox(bob), "<forbidden"));
  EXPECT_EQ(muc.room("coven")->name(), "coven");
}
