// RFC 6121 §3: presence subscriptions, both ends on this server. The user's
// side applies Appendix A.2 (outbound) and routes the stanza; the contact's
// side applies A.3 (inbound) and decides what its user sees.
#include "xmpp/im_namespaces.hpp"
#include "xmpp/namespaces.hpp"
#include "xmpp/router.hpp"
#include "xmpp/xml_stream_parser.hpp"
#include "xmpp/xml_writer.hpp"

namespace confab::xmpp {

namespace {

Element subscription_presence(const Jid& from, const Jid& to, SubscriptionStanza kind) {
  Element p("presence", std::string(ns::client));
  p.set_attribute("from", from.str());
  p.set_attribute("to", to.str());
  p.set_attribute("type", to_string(kind));
  return p;
}

// §3.4.1: states in which a "subscribed" the contact did not ask for
// becomes a pre-approval.
bool can_preapprove(SubState s) { return s == SubState::none || s == SubState::none_pending_out || s == SubState::to; }

}  // namespace

void Router::outbound_subscription(std::uint64_t id, Element stanza, SubscriptionStanza kind, const Jid& contact_jid) {
  Session* s = session(id);
  if (!s) return;
  const Jid user = s->jid.bare();
  const bool remote = !is_local_domain(contact_jid.domain());
  if (remote && !remote_)
    return send_error(stanza,
                      StanzaError(Condition::remote_server_not_found, "no federation with " + contact_jid.domain()));
  if (contact_jid.local().empty() || contact_jid == user) {
    ++counters_.ignored;  // the server's presence, or one's own: nothing to subscribe to
    return;
  }
  if (outbound_blocked(id, stanza, contact_jid)) return;
  // §3.1.2: stamped with the bare JIDs on both sides.
  stanza.set_attribute("from", user.str());
  stanza.set_attribute("to", contact_jid.str());

  if (!account(user)) return send_error(stanza, StanzaError(Condition::internal_server_error, ErrorType::wait));
  const RosterItem* existing = contact(user, contact_jid);
  RosterItem item = existing ? *existing : new_contact(contact_jid);
  const SubState before = state_of(existing);
  const SubState after = outbound(before, kind);
  bool route = true;
  switch (kind) {
    case SubscriptionStanza::subscribe:
      item.in_roster = true;  // §3.1.2: the user's server adds the contact if needed
      apply_state(item, after);
      break;
    case SubscriptionStanza::subscribed:
      if (after != before) {
        item.in_roster = true;  // §3.1.5: approving adds the contact if needed
        item.approved = false;
        apply_state(item, after);
      } else if (can_preapprove(before) && !item.approved) {
        item.in_roster = true;  // §3.4.1: the pre-approval is an item with approved='true'
        item.approved = true;
        route = false;
      } else {
        route = false;  // already approved, or already pre-approved
      }
      break;
    case SubscriptionStanza::unsubscribe:
      apply_state(item, after);
      break;
    case SubscriptionStanza::unsubscribed:
      apply_state(item, after);
      item.approved = false;  // also cancels a pre-approval
      break;
  }
  if (!save_contact(user, item, Push::if_changed))
    return send_error(stanza, StanzaError(Condition::internal_server_error, ErrorType::wait));
  if (!route) return;
  if (remote) to_remote(stanza);  // the contact's server applies A.3
  else inbound_subscription(contact_jid, user, kind, stanza);
  // §3.1.5: an approval is followed by the user's current presence; §3.2.2:
  // a cancelled subscription by its unavailable presence.
  if (subscribed_from(after) && !subscribed_from(before)) send_presence_to_contact(user, contact_jid, false);
  if (subscribed_from(before) && !subscribed_from(after)) send_presence_to_contact(user, contact_jid, true);
}

void Router::inbound_subscription(const Jid& user, const Jid& from, SubscriptionStanza kind, const Element& stanza) {
  // `user` receives `kind` from `from` (both bare).
  if (remote_ && is_remote(user)) return to_remote(stanza);  // our automatic answer to another server's user
  if (!account_exists(user)) {
    // §3.1.3: a request to no such user is answered with "unsubscribed".
    if (kind == SubscriptionStanza::subscribe && account_exists(from))
      inbound_subscription(from, user, SubscriptionStanza::unsubscribed,
                           subscription_presence(user, from, SubscriptionStanza::unsubscribed));
    return;
  }
  // XEP-0191: nothing from a blocked contact reaches the user. Cancellations
  // still change the state (silently), so both rosters stay consistent.
  const bool blocked = blocks(user, from);
  if (blocked && (kind == SubscriptionStanza::subscribe || kind == SubscriptionStanza::subscribed)) {
    ++counters_.blocked;
    return;
  }
  const RosterItem* existing = contact(user, from);
  RosterItem item = existing ? *existing : new_contact(from, false);
  const SubState before = state_of(existing);
  const InboundResult r = inbound(before, kind);

  if (kind == SubscriptionStanza::subscribe && item.approved && !subscribed_from(before)) {
    // §3.4.2: pre-approved: approve at once, without asking the user.
    const SubState after = outbound(r.next, SubscriptionStanza::subscribed);
    apply_state(item, after);
    item.approved = false;
    save_contact(user, item, Push::if_changed);
    inbound_subscription(from, user, SubscriptionStanza::subscribed,
                         subscription_presence(user, from, SubscriptionStanza::subscribed));
    send_presence_to_contact(user, from, false);
    return;
  }
  if (r.auto_reply) {
    // A.3.1: already subscribed; the contact's server lost track. Confirm.
    inbound_subscription(from, user, SubscriptionStanza::subscribed,
                         subscription_presence(user, from, SubscriptionStanza::subscribed));
    return;
  }
  if (!r.deliver) return;
  apply_state(item, r.next);
  if (kind == SubscriptionStanza::subscribe) {
    item.pending_in_stanza = serialize(stanza);
    if (!save_contact(user, item, Push::if_changed)) return;
    // §3.1.3: to every available resource now, and again at each login
    // until answered (deliver_pending_subscriptions).
    for (std::uint64_t id : available_sessions_of(user)) deliver(id, stanza);
    return;
  }
  if (!save_contact(user, item, Push::deferred)) return;
  // §3.1.6, §3.2.3, §3.3.3: the stanza to the interested resources, then
  // the roster push.
  if (!blocked) send_to_interested(user, stanza);
  else ++counters_.blocked;
  flush_push();
  // §3.3.3: the contact (`from`) no longer has the user's presence.
  if (kind == SubscriptionStanza::unsubscribe && subscribed_from(before) && !subscribed_from(r.next))
    send_presence_to_contact(user, from, true);
}

void Router::send_to_interested(const Jid& bare, const Element& stanza) {
  for (std::uint64_t id : sessions_of(bare))
    if (Session* s = session(id); s && s->interested) deliver(id, stanza);
}

void Router::deliver_pending_subscriptions(std::uint64_t id) {
  Session* s = session(id);
  if (!s) return;
  const Jid user = s->jid.bare();
  Account* a = account(user);
  if (!a) return;
  std::vector<Element> requests;
  for (const auto& [jid, item] : a->contacts) {
    if (!item.pending_in) continue;
    auto stored = parse_element(item.pending_in_stanza);
    if (stored) requests.push_back(std::move(*stored));
    else requests.push_back(subscription_presence(jid, user, SubscriptionStanza::subscribe));
  }
  for (Element& r : requests) deliver(id, std::move(r));
}

}  // namespace confab::xmpp
