// A room here with an occupant from another server: the occupant's
// presence comes in through the remote route, and the room's stanzas to
// that occupant (its presence, groupchat messages) leave through it, from
// the group chat service's domain.
#include <deque>

#include "muc_play.hpp"
#include "xmpp/remote_route.hpp"

namespace confab::xmpp::test {
namespace {

class Remote final : public RemoteRoute {
 public:
  void handle_stanza(Instant, const Element& st) override { sent.push_back(text(st)); }
  std::optional<Element> poll_stanza() override {
    if (arrived.empty()) return std::nullopt;
    Element e = std::move(arrived.front());
    arrived.pop_front();
    return e;
  }
  std::vector<std::string> sent;
  std::deque<Element> arrived;
};

class MucRemoteTest : public MucPlay {
 protected:
  MucRemoteTest() { router.set_remote_route(&remote); }
  void from_remote(std::string_view stanza) {
    remote.arrived.push_back(xml(stanza));
    router.route_from_remote(now);
    drain();
  }
  Remote remote;
};

TEST_F(MucRemoteTest, AUserOfAnotherServerJoinsAndTalksInARoomHere) {
  Client alice = login("alice@example.com", "pc");
  create_instant(alice, "tea", "alice");
  from_remote("<presence from='romeo@montague.example/balcony' to='tea@conference.example.com/romeo'>"
              "<x xmlns='http://jabber.org/protocol/muc'/></presence>");
  // The room's answers go back across, from the room's occupant JIDs.
  EXPECT_TRUE(has(remote.sent, "from='tea@conference.example.com/alice' to='romeo@montague.example/balcony'"));
  EXPECT_TRUE(has(remote.sent, "from='tea@conference.example.com/romeo' to='romeo@montague.example/balcony'"));
  EXPECT_TRUE(has(inbox(alice), "from='tea@conference.example.com/romeo'"));
  remote.sent.clear();

  send(alice, "<message to='tea@conference.example.com' type='groupchat' id='g1'><body>welcome</body></message>");
  EXPECT_EQ(count(remote.sent, "<body>welcome</body>"), 1u);
  EXPECT_TRUE(has(remote.sent, "to='romeo@montague.example/balcony'"));

  from_remote("<message from='romeo@montague.example/balcony' to='tea@conference.example.com' type='groupchat' "
              "id='g2'><body>thanks</body></message>");
  EXPECT_TRUE(has(inbox(alice), "<body>thanks</body>"));
}

}  // namespace
}  // namespace confab::xmpp::test
