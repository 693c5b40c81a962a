#pragma once
// RFC 6121 Appendix A: the nine subscription states a user's roster item can
// be in, and what each subscription stanza does to them — outbound (the
// user sent it, A.2) and inbound (the user's server received it, A.3).
// Pure tables; the router applies them to stored roster items.
#include <cstdint>

#include "xmpp/xmpp_storage.hpp"

namespace confab::xmpp {

// A.1: "None", "None + Pending Out", ... "Both". "To + Pending Out" and
// "From + Pending In" cannot exist (the pending direction is already
// subscribed).
enum class SubState : std::uint8_t {
  none,
  none_pending_out,
  none_pending_in,
  none_pending_out_in,
  to,
  to_pending_in,
  from,
  from_pending_out,
  both,
};
const char* to_string(SubState s);  // "None + Pending Out"

enum class SubscriptionStanza : std::uint8_t { subscribe, subscribed, unsubscribe, unsubscribed };
const char* to_string(SubscriptionStanza t);

// A roster record's state: subscription plus ask (pending out) and
// pending_in; an absent record is "None". Impossible combinations (a
// pending direction that is already subscribed) drop the pending flag.
SubState state_of(const RosterItem* item);
// Writes the state back into a record's subscription, ask and pending_in.
void apply_state(RosterItem& item, SubState s);

bool subscribed_to(SubState s);    // the user receives the contact's presence (To, Both...)
bool subscribed_from(SubState s);  // the contact receives the user's presence (From, Both...)
bool pending_in(SubState s);
bool pending_out(SubState s);

// A.2: the user sends `stanza`; the new state ("no state change" is the
// same state).
SubState outbound(SubState s, SubscriptionStanza stanza);

// A.3: the contact's `stanza` reaches the user's server.
struct InboundResult {
  SubState next;
  bool deliver;             // deliver the stanza to the user (A.3's "Deliver?")
  bool auto_reply = false;  // A.3.1: already subscribed: answer "subscribed" on the user's behalf
};
InboundResult inbound(SubState s, SubscriptionStanza stanza);

}  // namespace confab::xmpp
