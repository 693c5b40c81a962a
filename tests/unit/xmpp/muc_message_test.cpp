// XEP-0045 §7.4 messages to all occupants, §7.2.13-§7.2.14 history for late
// joiners, §8.1 / §7.2.15 the subject, §7.5 private messages, §7.6 nick
// changes, §7.7 status changes.
#include "muc_play.hpp"

using namespace confab::xmpp;
using namespace confab::xmpp::test;

namespace {

class MucMessages : public MucPlay {
 protected:
  void SetUp() override {
    alice = login("alice@example.com", "desktop");
    bob = login("bob@example.com", "laptop");
    carol = login("carol@example.com", "pda");
    create_instant(alice, "coven", "firstwitch");
    join(bob, "coven", "secondwitch");
    forget();
  }

  void say(const Client& c, std::string_view body, std::string_view id = "m") {
    send(c, "<message to='coven@conference.example.com' type='groupchat' id='" + std::string(id) + "'><body>" +
                std::string(body) + "</body></message>");
  }

  Client alice, bob, carol;
};

}  // namespace

TEST_F(MucMessages, AGroupchatMessageIsReflectedToEveryOccupantWithTheSendersId) {
  join(carol, "coven", "thirdwitch");
  forget();
  send(carol, "<message to='coven@conference.example.com' type='groupchat' id='hysf1v37'><body>Harpier cries: 'tis "
              "time</body></message>");
  // §7.4: from the occupant JID, the client's id kept (muc#stable_id), the
  // sender included.
  for (const Client* c : {&alice, &bob, &carol})
    EXPECT_EQ(inbox(*c), Lines{"<message type='groupchat' id='hysf1v37' from='coven@conference.example.com/thirdwitch' "
                               "to='" + c->str() + "'><body>Harpier cries: 'tis time</body></message>"})
        << c->str();
}

TEST_F(MucMessages, SomeoneNotInTheRoomCannotSpeakInIt) {
  send(carol, "<message to='coven@conference.example.com' type='groupchat' id='x'><body>hi</body></message>");
  // §7.4: not-acceptable, with the message given back.
  EXPECT_EQ(inbox(carol), Lines{"<message from='coven@conference.example.com' to='carol@example.com/pda' id='x' "
                                "type='error'><body>hi</body><error type='modify' by='coven@conference.example.com'>"
                                "<not-acceptable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/><text "
                                "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>you are not in this room</text></error>"
                                "</message>"});
  EXPECT_EQ(inbox(alice), Lines{});
}

TEST_F(MucMessages, AMessageToTheRoomThatIsNotGroupchatIsABadRequest) {
  send(bob, "<message to='coven@conference.example.com' type='chat'><body>hi</body></message>");
  EXPECT_TRUE(has(inbox(bob), "<bad-request"));
  EXPECT_EQ(inbox(alice), Lines{});
}

TEST_F(MucMessages, AMessageToARoomThatDoesNotExistIsItemNotFound) {
  send(bob, "<message to='heath@conference.example.com' type='groupchat'><body>hi</body></message>");
  EXPECT_TRUE(has(inbox(bob), "<item-not-found"));
}

TEST_F(MucMessages, ALateJoinerGetsTheHistoryStampedByTheRoomThenTheSubject) {
  say(alice, "Thrice the brinded cat hath mew'd.", "h1");
  now += std::chrono::seconds(6);
  say(bob, "Thrice and once the hedge-pig whined.", "h2");
  // Chat states without a body are not history.
  send(bob, "<message to='coven@conference.example.com' type='groupchat'><active "
            "xmlns='http://jabber.org/protocol/chatstates'/></message>");
  now += std::chrono::seconds(60);
  forget();
  join(carol, "coven", "thirdwitch");
  auto got = inbox(carol);
  ASSERT_EQ(got.size(), 6u);
  // §7.2.13: after the presence, before the subject; delay from the room.
  EXPECT_EQ(got[3], "<message type='groupchat' id='h1' from='coven@conference.example.com/firstwitch' "
                    "to='carol@example.com/pda'><body>Thrice the brinded cat hath mew'd.</body><delay "
                    "xmlns='urn:xmpp:delay' from='coven@conference.example.com' stamp='2024-01-01T00:00:00Z'/></message>");
  EXPECT_EQ(got[4], "<message type='groupchat' id='h2' from='coven@conference.example.com/secondwitch' "
                    "to='carol@example.com/pda'><body>Thrice and once the hedge-pig whined.</body><delay "
                    "xmlns='urn:xmpp:delay' from='coven@conference.example.com' stamp='2024-01-01T00:00:06Z'/></message>");
  EXPECT_NE(got[5].find("<subject/>"), std::string::npos);
}

TEST_F(MucMessages, TheJoinerChoosesHowMuchHistory) {
  for (int i = 0; i < 5; ++i) {
    say(alice, "message " + std::to_string(i));
    now += std::chrono::seconds(10);
  }
  forget();
  // §7.2.14: maxstanzas...
  join(carol, "coven", "c1", "<history maxstanzas='2'/>");
  auto got = inbox(carol);
  EXPECT_EQ(count(got, "<delay"), 2u);
  EXPECT_TRUE(has(got, "message 4"));
  EXPECT_TRUE(has(got, "message 3"));
  send(carol, "<presence to='coven@conference.example.com/c1' type='unavailable'/>");
  // ...none at all...
  join(carol, "coven", "c2", "<history maxchars='0'/>");
  EXPECT_EQ(count(inbox(carol), "<delay"), 0u);
  send(carol, "<presence to='coven@conference.example.com/c2' type='unavailable'/>");
  // ...the last 25 seconds (sent at 0, 10, 20, 30, 40; now is 50)...
  join(carol, "coven", "c3", "<history seconds='25'/>");
  got = inbox(carol);
  EXPECT_EQ(count(got, "<delay"), 2u);
  EXPECT_TRUE(has(got, "message 3"));
  send(carol, "<presence to='coven@conference.example.com/c3' type='unavailable'/>");
  // ...since a time...
  join(carol, "coven", "c4", "<history since='2024-01-01T00:00:20Z'/>");
  EXPECT_EQ(count(inbox(carol), "<delay"), 3u);
  send(carol, "<presence to='coven@conference.example.com/c4' type='unavailable'/>");
  // ...or as many characters as whole stanzas fit in (one stored stanza is ~200).
  join(carol, "coven", "c5", "<history maxchars='300'/>");
  EXPECT_EQ(count(inbox(carol), "<delay"), 1u);
}

TEST_F(MucMessages, AModeratorChangesTheSubjectAndLateJoinersGetItWithItsTime) {
  now += std::chrono::seconds(30);
  send(alice, "<message to='coven@conference.example.com' type='groupchat' id='s1'><subject>Fire Burn and Cauldron "
              "Bubble!</subject></message>");
  // §8.1: reflected to everyone from the setter's occupant JID.
  EXPECT_EQ(inbox(bob), Lines{"<message type='groupchat' id='s1' from='coven@conference.example.com/firstwitch' "
                              "to='bob@example.com/laptop'><subject>Fire Burn and Cauldron Bubble!</subject></message>"});
  EXPECT_EQ(inbox(alice).size(), 1u);
  now += std::chrono::seconds(30);
  join(carol, "coven", "thirdwitch");
  auto got = inbox(carol);
  ASSERT_FALSE(got.empty());
  // §7.2.15 (1.34): with a delay stamped when it was set; not history.
  EXPECT_EQ(got.back(), "<message from='coven@conference.example.com/firstwitch' to='carol@example.com/pda' "
                        "type='groupchat'><subject>Fire Burn and Cauldron Bubble!</subject><delay xmlns='urn:xmpp:delay' "
                        "from='coven@conference.example.com' stamp='2024-01-01T00:00:30Z'/></message>");
  EXPECT_EQ(count(got, "<delay"), 1u);
}

TEST_F(MucMessages, AParticipantMayNotChangeTheSubjectUnlessTheRoomSaysSo) {
  send(bob, "<message to='coven@conference.example.com' type='groupchat' id='s2'><subject>mine</subject></message>");
  EXPECT_TRUE(has(inbox(bob), "<error type='auth' by='coven@conference.example.com'><forbidden"));
  EXPECT_EQ(inbox(alice), Lines{});
  configure(alice, "coven", {{"muc#roomconfig_changesubject", "1"}});
  forget();
  send(bob, "<message to='coven@conference.example.com' type='groupchat' id='s3'><subject>mine</subject></message>");
  EXPECT_TRUE(has(inbox(alice), "<subject>mine</subject>"));
}

TEST_F(MucMessages, ASubjectWithABodyIsAnOrdinaryMessage) {
  send(bob, "<message to='coven@conference.example.com' type='groupchat'><subject>s</subject><body>b</body></message>");
  EXPECT_TRUE(has(inbox(alice), "<body>b</body>"));  // §8.1: not a subject change, so no forbidden
}

TEST_F(MucMessages, APrivateMessageGoesToTheOccupantsRealJidFromTheSendersOccupantJid) {
  send(bob, "<message to='coven@conference.example.com/firstwitch' type='chat' id='hgn27af1'><body>I'll give thee a "
            "wind.</body></message>");
  // §7.5: the <x/> is added for the recipient's other clients.
  EXPECT_EQ(inbox(alice), Lines{"<message to='alice@example.com/desktop' type='chat' id='hgn27af1' "
                                "from='coven@conference.example.com/secondwitch'><body>I'll give thee a "
                                "wind.</body><x xmlns='http://jabber.org/protocol/muc#user'/></message>"});
  EXPECT_EQ(inbox(bob), Lines{});
}

TEST_F(MucMessages, PrivateMessagesThatCannotBeDeliveredAreRefused) {
  // §7.5: groupchat to one occupant...
  send(bob, "<message to='coven@conference.example.com/firstwitch' type='groupchat' id='bx71f29k'><body>I'll give "
            "thee a wind.</body></message>");
  EXPECT_EQ(inbox(bob), Lines{"<message from='coven@conference.example.com/firstwitch' to='bob@example.com/laptop' "
                              "id='bx71f29k' type='error'><body>I'll give thee a wind.</body><error type='modify' "
                              "by='coven@conference.example.com'><bad-request xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>"
                              "<text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>a private message is not "
                              "groupchat</text></error></message>"});
  // ...to nobody...
  send(bob, "<message to='coven@conference.example.com/nobody' type='chat'><body>?</body></message>");
  EXPECT_TRUE(has(inbox(bob), "<item-not-found"));
  // ...or from outside the room.
  send(carol, "<message to='coven@conference.example.com/firstwitch' type='chat'><body>?</body></message>");
  EXPECT_TRUE(has(inbox(carol), "<not-acceptable"));
  EXPECT_EQ(inbox(alice), Lines{});
}

TEST_F(MucMessages, TheRoomCanRestrictPrivateMessages) {
  configure(alice, "coven", {{"muc#roomconfig_allowpm", "moderators"}});
  forget();
  send(bob, "<message to='coven@conference.example.com/firstwitch' type='chat'><body>?</body></message>");
  EXPECT_TRUE(has(inbox(bob), "<forbidden"));
  send(alice, "<message to='coven@conference.example.com/secondwitch' type='chat'><body>!</body></message>");
  EXPECT_TRUE(has(inbox(bob), "<body>!</body>"));
}

TEST_F(MucMessages, ANickChangeIsUnavailableWith303ThenTheNewNick) {
  send(bob, "<presence to='coven@conference.example.com/oldhag' id='ifd1c35'/>");
  // §7.6: both to everyone, the changer last each time (110).
  EXPECT_EQ(inbox(alice),
            (Lines{"<presence from='coven@conference.example.com/secondwitch' to='alice@example.com/desktop' "
                   "type='unavailable'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' "
                   "jid='bob@example.com/laptop' nick='oldhag' role='participant'/><status code='303'/></x></presence>",
                   "<presence from='coven@conference.example.com/oldhag' to='alice@example.com/desktop'><x "
                   "xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' jid='bob@example.com/laptop' "
                   "role='participant'/></x></presence>"}));
  EXPECT_EQ(inbox(bob),
            (Lines{"<presence from='coven@conference.example.com/secondwitch' to='bob@example.com/laptop' "
                   "type='unavailable'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' "
                   "jid='bob@example.com/laptop' nick='oldhag' role='participant'/><status code='110'/><status "
                   "code='303'/></x></presence>",
                   "<presence from='coven@conference.example.com/oldhag' to='bob@example.com/laptop' id='ifd1c35'><x "
                   "xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' jid='bob@example.com/laptop' "
                   "role='participant'/><status code='110'/></x></presence>"}));
  // Private messages now reach the new nick.
  send(alice, "<message to='coven@conference.example.com/oldhag' type='chat'><body>hi</body></message>");
  EXPECT_TRUE(has(inbox(bob), "<body>hi</body>"));
}

TEST_F(MucMessages, ChangingToANickInUseIsAConflictAndChangesNothing) {
  send(bob, "<presence to='coven@conference.example.com/firstwitch' id='n'/>");
  EXPECT_TRUE(has(inbox(bob), "<conflict"));
  EXPECT_EQ(inbox(alice), Lines{});
  send(alice, "<message to='coven@conference.example.com/secondwitch' type='chat'><body>hi</body></message>");
  EXPECT_TRUE(has(inbox(bob), "<body>hi</body>"));
}

TEST_F(MucMessages, AStatusChangeIsBroadcastWithTheItem) {
  send(bob, "<presence to='coven@conference.example.com/secondwitch'><show>xa</show><status>gone where the goblins "
            "go</status></presence>");
  // §7.7
  EXPECT_EQ(inbox(alice), Lines{"<presence from='coven@conference.example.com/secondwitch' to='alice@example.com/desktop'>"
                                "<show>xa</show><status>gone where the goblins go</status><x "
                                "xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' "
                                "jid='bob@example.com/laptop' role='participant'/></x></presence>"});
  EXPECT_TRUE(has(inbox(bob), "<status code='110'/>"));
  // A newcomer sees the latest status.
  join(carol, "coven", "thirdwitch");
  EXPECT_TRUE(has(inbox(carol), "<show>xa</show>"));
}
