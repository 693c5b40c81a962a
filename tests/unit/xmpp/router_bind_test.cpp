// Resource binding through the router (RFC 6120 §7.6, §7.7).
#include "router_play.hpp"

using namespace confab::xmpp;
using namespace confab::xmpp::test;

TEST_F(RouterPlay, AnEmptyRequestGetsARandomResource) {
  auto a = router.bind(1, Jid::parse("alice@example.com").value(), "");
  auto b = router.bind(2, Jid::parse("alice@example.com").value(), "");
  ASSERT_TRUE(a);
  ASSERT_TRUE(b);
  EXPECT_EQ(a->resource().size(), 16u);
  EXPECT_NE(a->resource(), b->resource());
}

TEST_F(RouterPlay, TheRequestedResourceIsPrepared) {
  auto a = router.bind(1, Jid::parse("alice@example.com").value(), "Desk Top");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->str(), "alice@example.com/Desk Top");
}

TEST_F(RouterPlay, AStreamBindsOnce) {
  ASSERT_TRUE(router.bind(1, Jid::parse("alice@example.com").value(), "a"));
  auto again = router.bind(1, Jid::parse("alice@example.com").value(), "b");
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().kind, BindError::Kind::not_allowed);
}

TEST_F(RouterPlay, AnotherDomainIsNotAllowed) {
  auto a = router.bind(1, Jid::parse("alice@elsewhere.example").value(), "a");
  ASSERT_FALSE(a);
  EXPECT_EQ(a.error().kind, BindError::Kind::not_allowed);
}

TEST_F(RouterPlay, TooManyResourcesIsAResourceConstraint) {
  for (std::uint64_t i = 1; i <= 4; ++i)
    ASSERT_TRUE(router.bind(i, Jid::parse("alice@example.com").value(), "r" + std::to_string(i)));
  auto fifth = router.bind(5, Jid::parse("alice@example.com").value(), "r5");
  ASSERT_FALSE(fifth);
  EXPECT_EQ(fifth.error().kind, BindError::Kind::resource_constraint);
  // Taking over one of the four is still allowed.
  EXPECT_TRUE(router.bind(6, Jid::parse("alice@example.com").value(), "r1"));
}

TEST_F(RouterPlay, StanzasFromAnUnboundSessionAreCounted) {
  router.handle_stanza(now, 99, xml("<message to='bob@example.com'><body>x</body></message>"));
  EXPECT_FALSE(router.poll_delivery());
  EXPECT_EQ(router.counters().unknown_session, 1u);
}

TEST_F(RouterPlay, TheSessionsFromIsStampedWhateverTheClientWrote) {
  Client bob = login("bob@example.com", "phone");
  Client alice = login("alice@example.com", "desktop");
  send(alice, "<message from='carol@example.com/x' to='bob@example.com/phone' type='chat'><body>hi</body></message>");
  EXPECT_EQ(inbox(bob), Lines{"<message from='alice@example.com/desktop' to='bob@example.com/phone' type='chat'><body>hi</body></message>"});
}
