// RFC 6121 Appendix A's state tables, cell by cell where they are subtle.
#include "xmpp/subscription_state.hpp"

#include <gtest/gtest.h>

using namespace confab::xmpp;
using S = SubState;
using T = SubscriptionStanza;

TEST(SubscriptionState, RosterRecordsMapToTheNineStates) {
  EXPECT_EQ(state_of(nullptr), S::none);
  RosterItem item;
  item.subscription = Subscription::none;
  item.ask = true;
  item.pending_in = true;
  EXPECT_EQ(state_of(&item), S::none_pending_out_in);
  item.subscription = Subscription::to;  // "To + Pending Out" cannot exist
  EXPECT_EQ(state_of(&item), S::to_pending_in);
  item.subscription = Subscription::from;  // nor "From + Pending In"
  EXPECT_EQ(state_of(&item), S::from_pending_out);
  item.subscription = Subscription::both;
  EXPECT_EQ(state_of(&item), S::both);
  for (int i = 0; i <= static_cast<int>(S::both); ++i) {
    RosterItem r;
    apply_state(r, static_cast<S>(i));
    EXPECT_EQ(state_of(&r), static_cast<S>(i)) << to_string(static_cast<S>(i));
  }
}

TEST(SubscriptionState, OutboundTransitionsFollowA2) {
  EXPECT_EQ(outbound(S::none, T::subscribe), S::none_pending_out);
  EXPECT_EQ(outbound(S::none_pending_in, T::subscribe), S::none_pending_out_in);
  EXPECT_EQ(outbound(S::from, T::subscribe), S::from_pending_out);
  EXPECT_EQ(outbound(S::to_pending_in, T::unsubscribe), S::none_pending_in);
  EXPECT_EQ(outbound(S::both, T::unsubscribe), S::from);
  EXPECT_EQ(outbound(S::none_pending_out_in, T::subscribed), S::from_pending_out);
  EXPECT_EQ(outbound(S::to_pending_in, T::subscribed), S::both);
  EXPECT_EQ(outbound(S::none, T::subscribed), S::none);  // pre-approval is the router's business
  EXPECT_EQ(outbound(S::from_pending_out, T::unsubscribed), S::none_pending_out);
  EXPECT_EQ(outbound(S::both, T::unsubscribed), S::to);
}

TEST(SubscriptionState, InboundTransitionsFollowA3) {
  auto r = inbound(S::none, T::subscribe);
  EXPECT_EQ(r.next, S::none_pending_in);
  EXPECT_TRUE(r.deliver);
  r = inbound(S::none_pending_in, T::subscribe);
  EXPECT_FALSE(r.deliver);
  r = inbound(S::both, T::subscribe);
  EXPECT_FALSE(r.deliver);
  EXPECT_TRUE(r.auto_reply);
  r = inbound(S::none_pending_out, T::subscribed);
  EXPECT_EQ(r.next, S::to);
  EXPECT_TRUE(r.deliver);
  r = inbound(S::none, T::subscribed);  // unsolicited approval: dropped
  EXPECT_FALSE(r.deliver);
  EXPECT_EQ(r.next, S::none);
  r = inbound(S::both, T::unsubscribe);
  EXPECT_EQ(r.next, S::to);
  r = inbound(S::to, T::unsubscribed);
  EXPECT_EQ(r.next, S::none);
  EXPECT_TRUE(r.deliver);
  r = inbound(S::from, T::unsubscribed);
  EXPECT_FALSE(r.deliver);
}

TEST(SubscriptionState, NoInboundCellDeliversWithoutChangingTheState) {
  for (int s = 0; s <= static_cast<int>(S::both); ++s)
    for (int t = 0; t < 4; ++t) {
      auto r = inbound(static_cast<S>(s), static_cast<T>(t));
      if (r.deliver) EXPECT_NE(r.next, static_cast<S>(s)) << to_string(static_cast<S>(s)) << " " << to_string(static_cast<T>(t));
      else EXPECT_EQ(r.next, static_cast<S>(s)) << to_string(static_cast<S>(s)) << " " << to_string(static_cast<T>(t));
    }
}
