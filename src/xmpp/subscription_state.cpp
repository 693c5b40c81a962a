#include "xmpp/subscription_state.hpp"

#include <array>

namespace confab::xmpp {

namespace {

using S = SubState;
constexpr std::size_t state_count = 9;
constexpr std::size_t index(S s) { return static_cast<std::size_t>(s); }

// A.2.1–A.2.4, one column per stanza type, rows in SubState order.
constexpr std::array<std::array<S, 4>, state_count> outbound_table = {{
    //  subscribe               subscribed          unsubscribe          unsubscribed
    {{S::none_pending_out, S::none, S::none, S::none}},                                              // None
    {{S::none_pending_out, S::none_pending_out, S::none, S::none_pending_out}},                      // None + Pending Out
    {{S::none_pending_out_in, S::from, S::none_pending_in, S::none}},                                // None + Pending In
    {{S::none_pending_out_in, S::from_pending_out, S::none_pending_in, S::none_pending_out}},        // None + Pending Out+In
    {{S::to, S::to, S::none, S::to}},                                                                // To
    {{S::to_pending_in, S::both, S::none_pending_in, S::to}},                                        // To + Pending In
    {{S::from_pending_out, S::from, S::from, S::none}},                                              // From
    {{S::from_pending_out, S::from_pending_out, S::from, S::none_pending_out}},                      // From + Pending Out
    {{S::both, S::both, S::from, S::to}},                                                            // Both
}};

struct Cell {
  S next;
  bool deliver;
  bool auto_reply;
};

// A.3.1–A.3.4. "no" cells keep the state.
constexpr std::array<std::array<Cell, 4>, state_count> inbound_table = {{
    // subscribe                          subscribed                      unsubscribe                      unsubscribed
    {{{S::none_pending_in, true, false}, {S::none, false, false}, {S::none, false, false}, {S::none, false, false}}},
    {{{S::none_pending_out_in, true, false}, {S::to, true, false}, {S::none_pending_out, false, false},
      {S::none, true, false}}},
    {{{S::none_pending_in, false, false}, {S::none_pending_in, false, false}, {S::none, true, false},
      {S::none_pending_in, false, false}}},
    {{{S::none_pending_out_in, false, false}, {S::to_pending_in, true, false}, {S::none_pending_out, true, false},
      {S::none_pending_in, true, false}}},
    {{{S::to_pending_in, true, false}, {S::to, false, false}, {S::to, false, false}, {S::none, true, false}}},
    {{{S::to_pending_in, false, false}, {S::to_pending_in, false, false}, {S::to, true, false},
      {S::none_pending_in, true, false}}},
    {{{S::from, false, true}, {S::from, false, false}, {S::none, true, false}, {S::from, false, false}}},
    {{{S::from_pending_out, false, true}, {S::both, true, false}, {S::none_pending_out, true, false},
      {S::from, true, false}}},
    {{{S::both, false, true}, {S::both, false, false}, {S::to, true, false}, {S::from, true, false}}},
}};

}  // namespace

const char* to_string(SubState s) {
  constexpr std::array<const char*, state_count> names = {
      "None", "None + Pending Out", "None + Pending In", "None + Pending Out+In", "To",
      "To + Pending In", "From", "From + Pending Out", "Both"};
  return names[index(s)];
}

const char* to_string(SubscriptionStanza t) {
  switch (t) {
    case SubscriptionStanza::subscribe: return "subscribe";
    case SubscriptionStanza::subscribed: return "subscribed";
    case SubscriptionStanza::unsubscribe: return "unsubscribe";
    case SubscriptionStanza::unsubscribed: return "unsubscribed";
  }
  return "subscribe";
}

SubState state_of(const RosterItem* item) {
  if (!item) return S::none;
  switch (item->subscription) {
    case Subscription::none:
      if (item->ask && item->pending_in) return S::none_pending_out_in;
      if (item->ask) return S::none_pending_out;
      if (item->pending_in) return S::none_pending_in;
      return S::none;
    case Subscription::to: return item->pending_in ? S::to_pending_in : S::to;
    case Subscription::from: return item->ask ? S::from_pending_out : S::from;
    case Subscription::both: return S::both;
  }
  return S::none;
}

void apply_state(RosterItem& item, SubState s) {
  item.subscription = subscribed_to(s) && subscribed_from(s) ? Subscription::both
                      : subscribed_to(s)                     ? Subscription::to
                      : subscribed_from(s)                   ? Subscription::from
                                                             : Subscription::none;
  item.ask = pending_out(s);
  item.pending_in = pending_in(s);
  if (!item.pending_in) item.pending_in_stanza.clear();
}

bool subscribed_to(SubState s) { return s == S::to || s == S::to_pending_in || s == S::both; }
bool subscribed_from(SubState s) { return s == S::from || s == S::from_pending_out || s == S::both; }
bool pending_in(SubState s) { return s == S::none_pending_in || s == S::none_pending_out_in || s == S::to_pending_in; }
bool pending_out(SubState s) {
  return s == S::none_pending_out || s == S::none_pending_out_in || s == S::from_pending_out;
}

SubState outbound(SubState s, SubscriptionStanza stanza) {
  return outbound_table[index(s)][static_cast<std::size_t>(stanza)];
}

InboundResult inbound(SubState s, SubscriptionStanza stanza) {
  const Cell& c = inbound_table[index(s)][static_cast<std::size_t>(stanza)];
  return {c.next, c.deliver, c.auto_reply};
}

}  // namespace confab::xmpp
