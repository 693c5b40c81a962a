// XEP-0174 streams: two LinkStreams wired back to back, and a peer that
// speaks the XML by hand (as iChat and the Python test peer do).
#include <gtest/gtest.h>

#include "mdns/link_presence.hpp"
#include "mdns/link_stream.hpp"

namespace confab::mdns {
namespace {

std::string drain(LinkStream& s) {
  std::string out;
  while (auto b = s.poll_output()) out.append(b->begin(), b->end());
  return out;
}

void pump(LinkStream& a, LinkStream& b) {
  for (int i = 0; i < 10; ++i) {
    const auto x = drain(a);
    const auto y = drain(b);
    if (x.empty() && y.empty()) return;
    b.handle_bytes(as_bytes(x));
    a.handle_bytes(as_bytes(y));
  }
}

TEST(LinkStream, AliceAndBobOpenAStreamAndChatBothWays) {
  LinkStream alice(LinkStream::Role::initiator, "alice", "bob");
  LinkStream bob(LinkStream::Role::responder, "bob");
  alice.send_message("hi bob");
  pump(alice, bob);
  EXPECT_TRUE(alice.is_open());
  EXPECT_TRUE(bob.is_open());
  EXPECT_EQ(bob.peer(), "alice");
  auto e1 = bob.poll_event();
  ASSERT_TRUE(e1 && std::holds_alternative<LinkStreamOpened>(*e1));
  auto e2 = bob.poll_event();
  ASSERT_TRUE(e2 && std::holds_alternative<LinkMessage>(*e2));
  EXPECT_EQ(std::get<LinkMessage>(*e2).body, "hi bob");
  EXPECT_EQ(std::get<LinkMessage>(*e2).from, "alice");
  bob.send_message("hello <alice> & co");
  pump(alice, bob);
  (void)alice.poll_event();
  auto e3 = alice.poll_event();
  ASSERT_TRUE(e3 && std::holds_alternative<LinkMessage>(*e3));
  EXPECT_EQ(std::get<LinkMessage>(*e3).body, "hello <alice> & co");
  alice.close();
  pump(alice, bob);
  EXPECT_TRUE(bob.is_closed());
  EXPECT_TRUE(alice.is_closed());
}

TEST(LinkStream, TheInitiatorHeaderNamesBothInstances) {
  LinkStream alice(LinkStream::Role::initiator, "alice@h", "bob@k");
  const auto header = drain(alice);
  EXPECT_NE(header.find("from='alice@h'"), std::string::npos);
  EXPECT_NE(header.find("to='bob@k'"), std::string::npos);
  EXPECT_NE(header.find("xmlns='jabber:client'"), std::string::npos);
}

TEST(LinkStream, AHandWrittenPeerWithoutVersionIsAnsweredWithoutFeatures) {
  LinkStream bob(LinkStream::Role::responder, "bob");
  bob.handle_bytes(as_bytes(std::string_view(
      "<?xml version='1.0' encoding='UTF-8'?><stream:stream xmlns='jabber:client' "
      "xmlns:stream='http://etherx.jabber.org/streams' from='carol' to='bob'>"
      "<message to='bob' type='chat'><body>from python</body></message>")));
  const auto out = drain(bob);
  EXPECT_NE(out.find("to='carol'"), std::string::npos);
  EXPECT_EQ(out.find("features"), std::string::npos);
  const auto header = out.substr(out.find("<stream:stream"));
  EXPECT_EQ(header.find("version"), std::string::npos);
  (void)bob.poll_event();
  auto m = bob.poll_event();
  ASSERT_TRUE(m && std::holds_alternative<LinkMessage>(*m));
  EXPECT_EQ(std::get<LinkMessage>(*m).from, "carol");
}

TEST(LinkStream, GarbageEndsTheStreamWithAnErrorNotACrash) {
  LinkStream bob(LinkStream::Role::responder, "bob");
  bob.handle_bytes(as_bytes(std::string_view("GET / HTTP/1.1\r\n\r\n")));
  auto e = bob.poll_event();
  ASSERT_TRUE(e && std::holds_alternative<LinkStreamClosed>(*e));
  EXPECT_FALSE(std::get<LinkStreamClosed>(*e).reason.empty());
  EXPECT_TRUE(bob.is_closed());
}

TEST(LinkPresence, TxtKeysFollowXep0174) {
  LinkPresence p;
  p.first = "Alice";
  p.last = "Liddell";
  p.status = "away";
  p.message = "at lunch";
  auto txt = to_txt(p);
  auto rec = txt.to_record();
  ASSERT_FALSE(rec.strings.empty());
  EXPECT_EQ(rec.strings[0], "txtvers=1");
  EXPECT_EQ(txt.get("1st"), "Alice");
  EXPECT_EQ(txt.get("port.p2pj"), "5298");
  EXPECT_EQ(presence_from_txt(txt), p);
  EXPECT_EQ(display_name(p, "alice@h"), "Alice Liddell");
  std::string s = "Busy";
  EXPECT_TRUE(normalize_status(s));
  EXPECT_EQ(s, "dnd");
  TxtAttributes odd;
  odd.set("status", "sleeping");
  EXPECT_EQ(presence_from_txt(odd).status, "avail");
}

}  // namespace
}  // namespace confab::mdns
