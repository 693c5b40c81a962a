// XEP-0045 §8 (moderators: kick, voice), §9 (admins: ban, members,
// moderators) and §10.3-§10.8 (owners: owners and admins), through the
// muc#admin namespace; §7.13 / §8.6 voice requests.
#include "muc_play.hpp"

using namespace confab::xmpp;
using namespace confab::xmpp::test;

namespace {

class MucModeration : public MucPlay {
 protected:
  void SetUp() override {
    alice = login("alice@example.com", "desktop");
    bob = login("bob@example.com", "laptop");
    carol = login("carol@example.com", "pda");
    create_instant(alice, "coven", "firstwitch");
    join(bob, "coven", "secondwitch");
    join(carol, "coven", "thirdwitch");
    forget();
  }

  void say(const Client& c, std::string_view body) {
    send(c, "<message to='coven@conference.example.com' type='groupchat'><body>" + std::string(body) +
                "</body></message>");
  }

  Client alice, bob, carol;
};

const std::string result_to_alice =
    "<iq from='coven@conference.example.com' to='alice@example.com/desktop' id='admin' type='result'/>";

}  // namespace

TEST_F(MucModeration, AModeratorKicksAParticipantWhoMayComeBack) {
  admin(alice, "coven", "<item nick='thirdwitch' role='none'><reason>Avaunt, you cullion!</reason></item>");
  // §8.2: the kicked occupant learns who and why (110, 307)...
  EXPECT_EQ(inbox(carol), Lines{"<presence from='coven@conference.example.com/thirdwitch' to='carol@example.com/pda' "
                                "type='unavailable'><x xmlns='http://jabber.org/protocol/muc#user'><item "
                                "affiliation='none' jid='carol@example.com/pda' role='none'><actor "
                                "nick='firstwitch'/><reason>Avaunt, you cullion!</reason></item><status "
                                "code='110'/><status code='307'/></x></presence>"});
  // ...the moderator that it worked, and the others that carol is gone.
  auto got = inbox(alice);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0], result_to_alice);
  EXPECT_NE(got[1].find("<status code='307'/>"), std::string::npos);
  EXPECT_EQ(inbox(bob), Lines{"<presence from='coven@conference.example.com/thirdwitch' to='bob@example.com/laptop' "
                              "type='unavailable'><x xmlns='http://jabber.org/protocol/muc#user'><item "
                              "affiliation='none' role='none'><actor nick='firstwitch'/><reason>Avaunt, you "
                              "cullion!</reason></item><status code='307'/></x></presence>"});
  EXPECT_EQ(muc.room("coven")->occupant_count(), 2u);
  join(carol, "coven", "thirdwitch");
  EXPECT_TRUE(has(inbox(carol), "<status code='110'/>"));
}

TEST_F(MucModeration, AParticipantCannotKickAndNobodyKicksAboveTheirAffiliation) {
  admin(bob, "coven", "<item nick='thirdwitch' role='none'/>");
  EXPECT_TRUE(has(inbox(bob), "<forbidden"));
  // An admin is a moderator, but the owner is above it.
  admin(alice, "coven", "<item affiliation='admin' jid='bob@example.com'/>");
  forget();
  admin(bob, "coven", "<item nick='firstwitch' role='none'/>");
  EXPECT_TRUE(has(inbox(bob), "<not-allowed"));
  EXPECT_EQ(muc.room("coven")->occupant_count(), 3u);
}

TEST_F(MucModeration, AnOwnerBansAUserByBareJidAndTheBanHolds) {
  admin(alice, "coven", "<item affiliation='outcast' jid='carol@example.com'><reason>Treason</reason></item>");
  // §9.1: 301, told to the banned first.
  EXPECT_EQ(inbox(carol), Lines{"<presence from='coven@conference.example.com/thirdwitch' to='carol@example.com/pda' "
                                "type='unavailable'><x xmlns='http://jabber.org/protocol/muc#user'><item "
                                "affiliation='outcast' jid='carol@example.com/pda' role='none'><actor "
                                "nick='firstwitch'/><reason>Treason</reason></item><status code='110'/><status "
                                "code='301'/></x></presence>"});
  EXPECT_TRUE(has(inbox(bob), "affiliation='outcast' role='none'"));
  // §7.2.8: forbidden from now on.
  join(carol, "coven", "thirdwitch");
  EXPECT_TRUE(has(inbox(carol), "<error type='auth' by='coven@conference.example.com'><forbidden"));
  // §9.2: the ban list.
  forget();
  admin(alice, "coven", "<item affiliation='outcast'/>", "get");
  EXPECT_EQ(inbox(alice), Lines{"<iq from='coven@conference.example.com' to='alice@example.com/desktop' id='admin' "
                                "type='result'><query xmlns='http://jabber.org/protocol/muc#admin'><item "
                                "affiliation='outcast' jid='carol@example.com'><reason>Treason</reason></item></query></iq>"});
  // Lifting it lets her in.
  admin(alice, "coven", "<item affiliation='none' jid='carol@example.com'/>");
  join(carol, "coven", "thirdwitch");
  EXPECT_TRUE(has(inbox(carol), "<status code='110'/>"));
}

TEST_F(MucModeration, ABanOnADomainKeepsOutEveryoneThereWithoutAnAffiliationOfTheirOwn) {
  Client dave = login("dave@example.com", "home");
  admin(alice, "coven", "<item affiliation='admin' jid='bob@example.com'/>");
  forget();
  // §9.2: user@domain first, then the domain.
  admin(alice, "coven", "<item affiliation='outcast' jid='example.com'/>");
  EXPECT_TRUE(has(inbox(carol), "<status code='301'/>"));
  EXPECT_EQ(muc.room("coven")->occupant_count(), 2u);  // alice and bob have affiliations of their own
  join(dave, "coven", "hecate");
  EXPECT_TRUE(has(inbox(dave), "<forbidden"));
  // Only a ban may name a domain.
  admin(alice, "coven", "<item affiliation='member' jid='example.org'/>");
  EXPECT_TRUE(has(inbox(alice), "<not-acceptable"));
}

TEST_F(MucModeration, BansThatTheRulesForbidAreRefused) {
  // §9.1: nobody bans themselves...
  admin(alice, "coven", "<item affiliation='outcast' jid='alice@example.com'/>");
  EXPECT_TRUE(has(inbox(alice), "<conflict"));
  // ...an admin cannot ban an owner...
  admin(alice, "coven", "<item affiliation='admin' jid='bob@example.com'/>");
  forget();
  admin(bob, "coven", "<item affiliation='outcast' jid='alice@example.com'/>");
  EXPECT_TRUE(has(inbox(bob), "<not-allowed"));
  // ...and a participant bans nobody.
  admin(carol, "coven", "<item affiliation='outcast' jid='bob@example.com'/>");
  EXPECT_TRUE(has(inbox(carol), "<forbidden"));
  EXPECT_EQ(muc.room("coven")->occupant_count(), 3u);
}

TEST_F(MucModeration, ARequestWithOneRefusedItemChangesNothing) {
  admin(alice, "coven",
        "<item affiliation='member' jid='dave@example.com'/><item affiliation='outcast' jid='alice@example.com'/>");
  EXPECT_TRUE(has(inbox(alice), "<conflict"));
  admin(alice, "coven", "<item affiliation='member'/>", "get");
  EXPECT_FALSE(has(inbox(alice), "dave@example.com"));
  // §17.3.4: a role and an affiliation in one item is a bad request.
  admin(alice, "coven", "<item affiliation='member' role='participant' nick='thirdwitch' jid='carol@example.com'/>");
  EXPECT_TRUE(has(inbox(alice), "<bad-request"));
}

TEST_F(MucModeration, TheLastOwnerCannotStepDown) {
  admin(alice, "coven", "<item affiliation='admin' jid='alice@example.com'/>");
  EXPECT_TRUE(has(inbox(alice), "<conflict"));  // §10.7
  admin(alice, "coven", "<item affiliation='owner' jid='bob@example.com'/>");
  forget();
  admin(alice, "coven", "<item affiliation='admin' jid='alice@example.com'/>");
  EXPECT_EQ(inbox(alice).front(), result_to_alice);
  // Her presence says so (and she stays a moderator as an admin).
  EXPECT_TRUE(has(inbox(carol), "<item affiliation='admin' role='moderator'/>"));
}

TEST_F(MucModeration, GrantingAdminMakesAModeratorAndEveryoneSeesIt) {
  admin(alice, "coven", "<item affiliation='admin' jid='bob@example.com'/>");
  // §10.6
  EXPECT_EQ(inbox(carol), Lines{"<presence from='coven@conference.example.com/secondwitch' to='carol@example.com/pda'><x "
                                "xmlns='http://jabber.org/protocol/muc#user'><item affiliation='admin' "
                                "role='moderator'/></x></presence>"});
  // A moderator now, bob sees real JIDs in later presence.
  send(carol, "<presence to='coven@conference.example.com/thirdwitch'><show>dnd</show></presence>");
  EXPECT_TRUE(has(inbox(bob), "jid='carol@example.com/pda'"));
  // Only owners make admins.
  admin(bob, "coven", "<item affiliation='admin' jid='carol@example.com'/>");
  EXPECT_TRUE(has(inbox(bob), "<forbidden"));
}

TEST_F(MucModeration, InAModeratedRoomVisitorsNeedVoice) {
  configure(alice, "coven", {{"muc#roomconfig_moderatedroom", "1"}});
  send(carol, "<presence to='coven@conference.example.com/thirdwitch' type='unavailable'/>");
  join(carol, "coven", "thirdwitch");
  // §5.1.2: unaffiliated users enter a moderated room as visitors...
  EXPECT_TRUE(has(inbox(carol), "<item affiliation='none' jid='carol@example.com/pda' role='visitor'/>"));
  forget();
  say(carol, "may I?");
  // ...and visitors may not speak (§7.4).
  EXPECT_TRUE(has(inbox(carol), "<error type='auth' by='coven@conference.example.com'><forbidden"));
  EXPECT_EQ(inbox(bob), Lines{});
  // §8.3: the moderator grants voice; everyone sees the new role.
  admin(alice, "coven", "<item nick='thirdwitch' role='participant'><reason>A worthy witch indeed!</reason></item>");
  EXPECT_EQ(inbox(bob), Lines{"<presence from='coven@conference.example.com/thirdwitch' to='bob@example.com/laptop'><x "
                              "xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' role='participant'>"
                              "<reason>A worthy witch indeed!</reason></item></x></presence>"});
  forget();
  say(carol, "thank you");
  EXPECT_TRUE(has(inbox(bob), "<body>thank you</body>"));
  // §8.4: and takes it away again.
  admin(alice, "coven", "<item nick='thirdwitch' role='visitor'/>");
  EXPECT_TRUE(has(inbox(carol), "role='visitor'"));
  // §8.5: the voice list.
  forget();
  admin(alice, "coven", "<item role='participant'/>", "get");
  EXPECT_EQ(inbox(alice), Lines{"<iq from='coven@conference.example.com' to='alice@example.com/desktop' id='admin' "
                                "type='result'><query xmlns='http://jabber.org/protocol/muc#admin'><item "
                                "affiliation='none' jid='bob@example.com/laptop' nick='secondwitch' "
                                "role='participant'/></query></iq>"});
}

TEST_F(MucModeration, NobodyRevokesTheVoiceOfAnAdminOrOwner) {
  admin(alice, "coven", "<item affiliation='admin' jid='bob@example.com'/>");
  forget();
  admin(bob, "coven", "<item nick='firstwitch' role='visitor'/>");
  EXPECT_TRUE(has(inbox(bob), "<not-allowed"));
  admin(alice, "coven", "<item nick='secondwitch' role='participant'/>");
  EXPECT_TRUE(has(inbox(alice), "<not-allowed"));  // §9.7: not from an admin
}

TEST_F(MucModeration, AnAdminMakesAndUnmakesModerators) {
  admin(alice, "coven", "<item nick='thirdwitch' role='moderator'/>");
  EXPECT_TRUE(has(inbox(bob), "<item affiliation='none' role='moderator'/>"));
  admin(alice, "coven", "<item role='moderator'/>", "get");
  auto got = inbox(alice);
  EXPECT_TRUE(has(got, "nick='thirdwitch' role='moderator'"));
  EXPECT_TRUE(has(got, "nick='firstwitch' role='moderator'"));
  // A mere moderator cannot make another (§9.6).
  admin(carol, "coven", "<item nick='secondwitch' role='moderator'/>");
  EXPECT_TRUE(has(inbox(carol), "<forbidden"));
  admin(alice, "coven", "<item nick='thirdwitch' role='participant'/>");
  EXPECT_TRUE(has(inbox(bob), "<item affiliation='none' role='participant'/>"));
}

TEST_F(MucModeration, TheMemberListIsAdminsBusinessInASemiAnonymousRoom) {
  admin(alice, "coven", "<item affiliation='member' jid='dave@example.com' nick='hecate'/>");
  forget();
  admin(alice, "coven", "<item affiliation='member'/>", "get");
  EXPECT_EQ(inbox(alice), Lines{"<iq from='coven@conference.example.com' to='alice@example.com/desktop' id='admin' "
                                "type='result'><query xmlns='http://jabber.org/protocol/muc#admin'><item "
                                "affiliation='member' jid='dave@example.com' nick='hecate'/></query></iq>"});
  admin(bob, "coven", "<item affiliation='member'/>", "get");
  EXPECT_TRUE(has(inbox(bob), "<forbidden"));
  admin(bob, "coven", "<item affiliation='owner'/>", "get");
  EXPECT_TRUE(has(inbox(bob), "<forbidden"));
  // In a non-anonymous room members see it, and occupants see the owners (1.35).
  configure(alice, "coven", {{"muc#roomconfig_whois", "anyone"}});
  admin(alice, "coven", "<item affiliation='member' jid='bob@example.com'/>");
  forget();
  admin(bob, "coven", "<item affiliation='member'/>", "get");
  EXPECT_TRUE(has(inbox(bob), "jid='dave@example.com'"));
  admin(carol, "coven", "<item affiliation='owner'/>", "get");
  EXPECT_TRUE(has(inbox(carol), "<item affiliation='owner' jid='alice@example.com'/>"));
}

TEST_F(MucModeration, AVisitorAsksForVoiceAndAModeratorGrantsIt) {
  configure(alice, "coven", {{"muc#roomconfig_moderatedroom", "1"}});
  send(carol, "<presence to='coven@conference.example.com/thirdwitch' type='unavailable'/>");
  join(carol, "coven", "thirdwitch");
  forget();
  // §7.13
  send(carol, "<message to='coven@conference.example.com'><x xmlns='jabber:x:data' type='submit'><field "
              "var='FORM_TYPE'><value>http://jabber.org/protocol/muc#request</value></field><field var='muc#role' "
              "type='list-single' label='Requested role'><value>participant</value></field></x></message>");
  // §8.6: every moderator gets the approval form.
  auto got = inbox(alice);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_NE(got[0].find("<field var='muc#jid' type='jid-single' label='User ID'><value>carol@example.com/pda</value>"),
            std::string::npos);
  EXPECT_NE(got[0].find("<field var='muc#roomnick' type='text-single' label='Room Nickname'><value>thirdwitch</value>"),
            std::string::npos);
  EXPECT_EQ(inbox(bob), Lines{});
  send(alice, "<message to='coven@conference.example.com'><x xmlns='jabber:x:data' type='submit'><field "
              "var='FORM_TYPE'><value>http://jabber.org/protocol/muc#request</value></field><field "
              "var='muc#role'><value>participant</value></field><field "
              "var='muc#roomnick'><value>thirdwitch</value></field><field "
              "var='muc#request_allow'><value>true</value></field></x></message>");
  EXPECT_TRUE(has(inbox(carol), "role='participant'"));
}
