// Who gets in: XEP-0045 §7.2.6 password-protected rooms, §7.2.7 members-only
// rooms, §7.8.2 mediated invitations (adding members) and declines, §10.2
// a room turned members-only, §10.9 destroying a room; XEP-0249 direct
// invitations, which the server only routes.
#include "muc_play.hpp"

using namespace confab::xmpp;
using namespace confab::xmpp::test;

namespace {

class MucAccess : public MucPlay {
 protected:
  void SetUp() override {
    alice = login("alice@example.com", "desktop");
    bob = login("bob@example.com", "laptop");
    carol = login("carol@example.com", "pda");
    create_instant(alice, "coven", "firstwitch");
  }

  void invite(const Client& from, std::string_view to, std::string_view reason = "") {
    send(from, "<message to='coven@conference.example.com' id='inv'><x xmlns='http://jabber.org/protocol/muc#user'>"
               "<invite to='" + std::string(to) + "'>" +
                   (reason.empty() ? std::string() : "<reason>" + std::string(reason) + "</reason>") +
                   "</invite></x></message>");
  }

  Client alice, bob, carol;
};

}  // namespace

TEST_F(MucAccess, APasswordProtectedRoomWantsThePassword) {
  configure(alice, "coven", {{"muc#roomconfig_passwordprotectedroom", "1"}, {"muc#roomconfig_roomsecret", "cauldronburn"}});
  forget();
  join(bob, "coven", "secondwitch");
  // §7.2.6: not-authorized, type auth.
  EXPECT_EQ(inbox(bob), Lines{"<presence from='coven@conference.example.com/secondwitch' to='bob@example.com/laptop' "
                              "type='error'><x xmlns='http://jabber.org/protocol/muc'/><error type='auth' "
                              "by='coven@conference.example.com'><not-authorized "
                              "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/><text "
                              "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>a password is required</text></error></presence>"});
  join(bob, "coven", "secondwitch", "<password>wrong</password>");
  EXPECT_TRUE(has(inbox(bob), "<not-authorized"));
  join(bob, "coven", "secondwitch", "<password>cauldronburn</password>");
  EXPECT_TRUE(has(inbox(bob), "<status code='110'/>"));
  // The password is never reflected.
  EXPECT_FALSE(has(inbox(alice), "cauldronburn"));
  // §6.4: the room says what it is.
  send(carol, "<iq to='coven@conference.example.com' type='get' id='i'><query "
              "xmlns='http://jabber.org/protocol/disco#info'/></iq>");
  auto got = inbox(carol);
  EXPECT_TRUE(has(got, "<feature var='muc_passwordprotected'/>"));
  EXPECT_FALSE(has(got, "cauldronburn"));
}

TEST_F(MucAccess, AMembersOnlyRoomKeepsOutNonMembers) {
  configure(alice, "coven", {{"muc#roomconfig_membersonly", "1"}});
  join(bob, "coven", "secondwitch");
  // §7.2.7: registration-required, type auth.
  EXPECT_TRUE(has(inbox(bob), "<error type='auth' by='coven@conference.example.com'><registration-required"));
  admin(alice, "coven", "<item affiliation='member' jid='bob@example.com'/>");
  join(bob, "coven", "secondwitch");
  EXPECT_TRUE(has(inbox(bob), "<item affiliation='member' jid='bob@example.com/laptop' role='participant'/>"));
}

TEST_F(MucAccess, AnAdminsMediatedInvitationToAMembersOnlyRoomMakesAMember) {
  configure(alice, "coven", {{"muc#roomconfig_membersonly", "1"}});
  forget();
  invite(alice, "bob@example.com", "Hey Bob, this is the place for all good witches!");
  // §7.8.2: from the room, naming the inviter; to the bare JID, so it goes
  // where bare-JID messages go.
  EXPECT_EQ(inbox(bob), Lines{"<message from='coven@conference.example.com' to='bob@example.com' id='inv'><x "
                              "xmlns='http://jabber.org/protocol/muc#user'><invite from='alice@example.com'><reason>Hey "
                              "Bob, this is the place for all good witches!</reason></invite></x></message>"});
  join(bob, "coven", "secondwitch");
  EXPECT_TRUE(has(inbox(bob), "affiliation='member'"));
}

TEST_F(MucAccess, AMereMemberMayInviteOnlyIfTheRoomAllowsIt) {
  configure(alice, "coven", {{"muc#roomconfig_membersonly", "1"}});
  admin(alice, "coven", "<item affiliation='member' jid='bob@example.com'/>");
  join(bob, "coven", "secondwitch");
  forget();
  invite(bob, "carol@example.com");
  // §9.5: forbidden, with the invitation given back.
  EXPECT_EQ(inbox(bob), Lines{"<message from='coven@conference.example.com' to='bob@example.com/laptop' id='inv' "
                              "type='error'><x xmlns='http://jabber.org/protocol/muc#user'><invite "
                              "to='carol@example.com'/></x><error type='auth' by='coven@conference.example.com'><forbidden "
                              "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/><text "
                              "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>only admins invite to this room</text></error>"
                              "</message>"});
  EXPECT_EQ(inbox(carol), Lines{});
  configure(alice, "coven", {{"muc#roomconfig_allowinvites", "1"}});
  invite(bob, "carol@example.com");
  EXPECT_TRUE(has(inbox(carol), "<invite from='bob@example.com'/>"));
  join(carol, "coven", "thirdwitch");
  EXPECT_TRUE(has(inbox(carol), "<status code='110'/>"));
}

TEST_F(MucAccess, AnInvitationToAnOpenRoomIsNoMembershipAndCarriesThePassword) {
  configure(alice, "coven", {{"muc#roomconfig_passwordprotectedroom", "1"}, {"muc#roomconfig_roomsecret", "pw"}});
  join(bob, "coven", "secondwitch", "<password>pw</password>");
  forget();
  send(bob, "<message to='coven@conference.example.com'><x xmlns='http://jabber.org/protocol/muc#user'><invite "
            "to='carol@example.com/pda'><reason>r</reason><continue thread='t1'/></invite></x></message>");
  EXPECT_EQ(inbox(carol), Lines{"<message from='coven@conference.example.com' to='carol@example.com/pda'><x "
                                "xmlns='http://jabber.org/protocol/muc#user'><invite from='bob@example.com'><reason>r"
                                "</reason><continue thread='t1'/></invite><password>pw</password></x></message>"});
  admin(alice, "coven", "<item affiliation='member'/>", "get");
  EXPECT_FALSE(has(inbox(alice), "carol@example.com"));  // §9.5: not in an open room
}

TEST_F(MucAccess, SomeoneOutsideTheRoomCannotInviteThroughIt) {
  invite(bob, "carol@example.com");
  EXPECT_TRUE(has(inbox(bob), "<not-acceptable"));
  EXPECT_EQ(inbox(carol), Lines{});
}

TEST_F(MucAccess, ADeclineGoesBackToTheInviterFromTheRoom) {
  send(carol, "<message to='coven@conference.example.com' id='d1'><x xmlns='http://jabber.org/protocol/muc#user'>"
              "<decline to='alice@example.com'><reason>Sorry, too busy.</reason></decline></x></message>");
  EXPECT_EQ(inbox(alice), Lines{"<message from='coven@conference.example.com' to='alice@example.com' id='d1'><x "
                                "xmlns='http://jabber.org/protocol/muc#user'><decline "
                                "from='carol@example.com'><reason>Sorry, too busy.</reason></decline></x></message>"});
}

TEST_F(MucAccess, AnInvitationToSomeoneOfflineWaitsForThem) {
  invite(alice, "dave@example.com");
  EXPECT_EQ(store.offline_count(Jid::parse("dave@example.com").value()).value(), 1u);
}

TEST_F(MucAccess, ADirectInvitationIsAnOrdinaryMessageBetweenUsers) {
  // XEP-0249 §2: the server has nothing to do but route it.
  send(alice, "<message to='bob@example.com' id='di'><x xmlns='jabber:x:conference' "
              "jid='coven@conference.example.com' password='pw' reason='Join us'/></message>");
  EXPECT_EQ(inbox(bob), Lines{"<message to='bob@example.com' id='di' from='alice@example.com/desktop'><x "
                              "xmlns='jabber:x:conference' jid='coven@conference.example.com' password='pw' "
                              "reason='Join us'/></message>"});
}

TEST_F(MucAccess, MakingARoomMembersOnlyPutsOutTheNonMembers) {
  join(bob, "coven", "secondwitch");
  join(carol, "coven", "thirdwitch");
  admin(alice, "coven", "<item affiliation='member' jid='bob@example.com'/>");
  forget();
  configure(alice, "coven", {{"muc#roomconfig_membersonly", "1"}});
  // §10.2: 322 to the one put out and to everyone else; then 104.
  EXPECT_EQ(inbox(carol), Lines{"<presence from='coven@conference.example.com/thirdwitch' to='carol@example.com/pda' "
                                "type='unavailable'><x xmlns='http://jabber.org/protocol/muc#user'><item "
                                "affiliation='none' jid='carol@example.com/pda' role='none'/><status code='110'/><status "
                                "code='322'/></x></presence>"});
  auto got = inbox(bob);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_NE(got[0].find("<status code='322'/>"), std::string::npos);
  EXPECT_EQ(got[1], "<message from='coven@conference.example.com' type='groupchat' to='bob@example.com/laptop'><x "
                    "xmlns='http://jabber.org/protocol/muc#user'><status code='104'/></x></message>");
}

TEST_F(MucAccess, RevokingMembershipInAMembersOnlyRoomPutsTheUserOut) {
  configure(alice, "coven", {{"muc#roomconfig_membersonly", "1"}});
  admin(alice, "coven", "<item affiliation='member' jid='bob@example.com'/>");
  join(bob, "coven", "secondwitch");
  forget();
  admin(alice, "coven", "<item affiliation='none' jid='bob@example.com'/>");
  EXPECT_TRUE(has(inbox(bob), "<status code='321'/>"));  // §9.4
  join(bob, "coven", "secondwitch");
  EXPECT_TRUE(has(inbox(bob), "<registration-required"));
}

TEST_F(MucAccess, AnonymityChangesAreAnnouncedWith172And173) {
  join(bob, "coven", "secondwitch");
  forget();
  configure(alice, "coven", {{"muc#roomconfig_whois", "anyone"}});
  // §10.2.1: 172, and nothing else changed.
  EXPECT_EQ(inbox(bob), Lines{"<message from='coven@conference.example.com' type='groupchat' "
                              "to='bob@example.com/laptop'><x xmlns='http://jabber.org/protocol/muc#user'><status "
                              "code='172'/></x></message>"});
  forget();
  configure(alice, "coven", {{"muc#roomconfig_whois", "moderators"}, {"muc#roomconfig_roomname", "Cave"}});
  auto got = inbox(bob);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_NE(got[0].find("<status code='104'/><status code='173'/>"), std::string::npos);
}

TEST_F(MucAccess, TheOwnerDestroysTheRoomAndEveryoneIsToldWhereToGo) {
  join(bob, "coven", "secondwitch");
  forget();
  send(bob, "<iq to='coven@conference.example.com' type='set' id='begone'><query "
            "xmlns='http://jabber.org/protocol/muc#owner'><destroy/></query></iq>");
  EXPECT_TRUE(has(inbox(bob), "<forbidden"));  // §10.9: owners only
  send(alice, "<iq to='coven@conference.example.com' type='set' id='begone'><query "
              "xmlns='http://jabber.org/protocol/muc#owner'><destroy jid='heath@conference.example.com'><reason>Macbeth "
              "doth come.</reason></destroy></query></iq>");
  // One unavailable presence each, with the <destroy/>; no broadcast.
  EXPECT_EQ(inbox(bob), Lines{"<presence from='coven@conference.example.com/secondwitch' to='bob@example.com/laptop' "
                              "type='unavailable'><x xmlns='http://jabber.org/protocol/muc#user'><item "
                              "affiliation='none' jid='bob@example.com/laptop' role='none'/><destroy "
                              "jid='heath@conference.example.com'><reason>Macbeth doth come.</reason></destroy><status "
                              "code='110'/></x></presence>"});
  auto got = inbox(alice);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_NE(got[0].find("<destroy jid='heath@conference.example.com'>"), std::string::npos);
  EXPECT_EQ(got[1], "<iq from='coven@conference.example.com' to='alice@example.com/desktop' id='begone' type='result'/>");
  EXPECT_EQ(muc.room("coven"), nullptr);
}

TEST_F(MucAccess, OneMessageCannotInviteACrowd) {
  std::string invites;
  for (int i = 0; i < 21; ++i) invites += "<invite to='user" + std::to_string(i) + "@example.com'/>";
  const auto before = router.counters().from_components;
  send(alice, "<message to='coven@conference.example.com'><x xmlns='http://jabber.org/protocol/muc#user'>" + invites +
                  "</x></message>");
  EXPECT_TRUE(has(inbox(alice), "<policy-violation"));
  EXPECT_EQ(router.counters().from_components, before + 1);  // the error alone
}
