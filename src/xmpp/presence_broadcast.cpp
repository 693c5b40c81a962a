// RFC 6121 §4: presence broadcast, probes, directed presence, unavailable.
#include <charconv>

#include "xmpp/im_namespaces.hpp"
#include "xmpp/namespaces.hpp"
#include "xmpp/router.hpp"

namespace confab::xmpp {

namespace {

// §4.7.2.3: an integer from -128 to +127; absent (or unreadable) is 0.
int priority_of(const Element& presence) {
  auto text = presence.child_text("priority");
  if (!text) return 0;
  int value = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (ec != std::errc() || end != text->data() + text->size() || value < -128 || value > 127) return 0;
  return value;
}

std::optional<SubscriptionStanza> subscription_kind(std::string_view type) {
  if (type == "subscribe") return SubscriptionStanza::subscribe;
  if (type == "subscribed") return SubscriptionStanza::subscribed;
  if (type == "unsubscribe") return SubscriptionStanza::unsubscribe;
  if (type == "unsubscribed") return SubscriptionStanza::unsubscribed;
  return std::nullopt;
}

Element with_to(Element e, const Jid& to) {
  e.set_attribute("to", to.str());
  return e;
}

}  // namespace

void Router::handle_presence(Instant, std::uint64_t id, Element st) {
  const std::string type(st.attribute("type").value_or(""));
  std::optional<Jid> to;
  if (auto to_text = st.attribute("to")) {
    auto parsed = Jid::parse(*to_text);
    if (!parsed) return send_error(st, StanzaError(Condition::jid_malformed, parsed.error().message));
    to = std::move(*parsed);
  }
  if (type.empty() || type == "unavailable") {
    if (!to) {
      if (type.empty()) broadcast_available(id, std::move(st));
      else broadcast_unavailable(id, std::move(st), true);
    } else {
      directed_presence(id, std::move(st), *to);
    }
    return;
  }
  if (auto kind = subscription_kind(type)) {
    if (!to) return send_error(st, StanzaError(Condition::bad_request, "a subscription stanza needs a 'to'"));
    return outbound_subscription(id, std::move(st), *kind, to->bare());
  }
  if (type == "probe") {
    ++counters_.ignored;  // §4.3: probes are the server's; a client SHOULD NOT send them
    return;
  }
  if (type == "error") {
    if (to) directed_presence(id, std::move(st), *to);
    return;
  }
  send_error(st, StanzaError(Condition::bad_request, "unknown presence type " + type));
}

bool Router::receives_presence_of(const Jid& contact_bare, const Jid& user_bare) {
  // The contact has a subscription to the user (the user's item for the
  // contact says from/both), and neither side blocks the other.
  if (!subscribed_from(state_of(contact(user_bare, contact_bare)))) return false;
  return !blocks(user_bare, contact_bare) && !blocks(contact_bare, user_bare);
}

void Router::deliver_presence_to_account(const Jid& to_bare, const Element& presence) {
  if (remote_ && is_remote(to_bare)) return to_remote(presence);  // a contact on another server
  // §8.5.2.1.1: presence to a bare JID goes to every available resource.
  if (auto from = Jid::parse(presence.attribute("from").value_or("")); from && blocks(to_bare, *from)) {
    ++counters_.blocked;
    return;
  }
  for (std::uint64_t id : available_sessions_of(to_bare)) deliver(id, presence);
}

void Router::broadcast_available(std::uint64_t id, Element presence) {
  Session* s = session(id);
  if (!s) return;
  const bool was_available = s->available;
  const int old_priority = s->priority;
  presence.remove_attribute("to");
  for (const auto& x : extensions_) x->presence_outgoing(now_, s->jid, presence);
  s->presence = presence;
  s->priority = priority_of(presence);
  s->available = true;
  const Jid user = s->jid.bare();
  const Jid full = s->jid;

  // §4.2.2 / §4.4.2: to every contact subscribed to the user...
  std::vector<Jid> subscribers, publishers;
  if (Account* a = account(user)) {
    for (const auto& [jid, item] : a->contacts) {
      if (!item.in_roster) continue;
      if (subscribed_from(state_of(&item))) subscribers.push_back(jid);
      if (subscribed_to(state_of(&item))) publishers.push_back(jid);
    }
  }
  for (const Jid& c : subscribers)
    if (!blocks(user, c)) deliver_presence_to_account(c, with_to(presence, c));
  // ...and to all of the user's available resources, this one included.
  for (std::uint64_t other : available_sessions_of(user)) deliver(other, with_to(presence, user));

  if (!was_available) {
    // Initial presence: the new resource learns about the others...
    for (std::uint64_t other : available_sessions_of(user))
      if (other != id) {
        Session* o = session(other);
        if (o && o->presence) deliver(id, with_to(*o->presence, full));
      }
    // ...and about its contacts: a probe to each (§4.2.2), answered here
    // since every contact is local (§4.3.2).
    for (const Jid& c : publishers) {
      if (blocks(user, c)) continue;
      if (remote_ && is_remote(c)) {
        // §4.3.1: a contact on another server: its server answers the probe.
        Element probe("presence", std::string(ns::client));
        probe.set_attribute("from", user.str());
        probe.set_attribute("to", c.str());
        probe.set_attribute("type", "probe");
        to_remote(probe);
      } else {
        answer_probe(c, user, id);
      }
    }
    // §3.1.3: requests that arrived while the user was away.
    deliver_pending_subscriptions(id);
  }
  // XEP-0160: stored messages follow initial presence — but only to a
  // resource that can receive bare-JID messages (non-negative priority).
  if (s->priority >= 0 && (!was_available || old_priority < 0)) deliver_offline(id);
  // Extensions last (PEP's last published items follow presence).
  if (!extensions_.empty() && s->presence) {
    const Element broadcast = *s->presence;
    for (const auto& x : extensions_) x->presence_available(now_, full, broadcast, !was_available);
  }
}

void Router::answer_probe(const Jid& contact_bare, const Jid& prober_bare, std::uint64_t to_session) {
  Session* prober = session(to_session);
  if (!prober || !account_exists(contact_bare)) return;  // §4.3.2 lets a server stay silent
  if (blocks(contact_bare, prober_bare)) {
    ++counters_.blocked;
    return;
  }
  if (!subscribed_from(state_of(contact(contact_bare, prober_bare)))) {
    // §4.3.2: the contact never approved the prober; its server says so,
    // which mends a roster that believes otherwise.
    Element unsubscribed("presence", std::string(ns::client));
    unsubscribed.set_attribute("from", contact_bare.str());
    unsubscribed.set_attribute("to", prober_bare.str());
    unsubscribed.set_attribute("type", "unsubscribed");
    inbound_subscription(prober_bare, contact_bare, SubscriptionStanza::unsubscribed, unsubscribed);
    return;
  }
  const Jid prober_full = prober->jid;
  for (std::uint64_t c : available_sessions_of(contact_bare)) {
    Session* cs = session(c);
    if (cs && cs->presence) deliver(to_session, with_to(*cs->presence, prober_full));
  }
}

void Router::send_presence_to_contact(const Jid& user_bare, const Jid& contact_bare, bool unavailable) {
  // A contact gained or lost its subscription to the user: the user's
  // available resources tell it their presence, or that they are gone to it.
  if (blocks(user_bare, contact_bare)) return;
  for (std::uint64_t id : available_sessions_of(user_bare)) {
    Session* s = session(id);
    if (!s) continue;
    Element p("presence", std::string(ns::client));
    if (unavailable) {
      p.set_attribute("from", s->jid.str());
      p.set_attribute("type", "unavailable");
    } else if (s->presence) {
      p = *s->presence;
    }
    p.set_attribute("to", contact_bare.str());
    deliver_presence_to_account(contact_bare, p);
  }
}

void Router::broadcast_unavailable(std::uint64_t id, Element presence, bool include_self) {
  Session* s = session(id);
  if (!s) return;
  presence.remove_attribute("to");
  const Jid user = s->jid.bare();
  const bool was_available = s->available;
  std::set<Jid> directed = std::move(s->directed);
  s->directed.clear();
  s->available = false;
  s->presence.reset();

  std::set<Jid> told;
  if (was_available) {
    // §4.5.2: to the subscribers and the user's other resources (and this
    // one, if it is still there to hear it).
    std::vector<Jid> subscribers;
    if (Account* a = account(user))
      for (const auto& [jid, item] : a->contacts)
        if (item.in_roster && subscribed_from(state_of(&item))) subscribers.push_back(jid);
    for (const Jid& c : subscribers) {
      if (blocks(user, c)) continue;
      deliver_presence_to_account(c, with_to(presence, c));
      told.insert(c);
    }
    for (std::uint64_t other : available_sessions_of(user)) deliver(other, with_to(presence, user));
    if (include_self) deliver(id, with_to(presence, user));
  }
  if (was_available)
    for (const auto& x : extensions_) x->resource_unavailable(now_, s->jid);
  // §4.6.3: and to everyone it sent directed presence to.
  for (const Jid& target : directed) {
    if (told.count(target.bare()) || blocks(user, target)) continue;
    Element p = with_to(presence, target);
    if (Component* c = component_for(target.domain())) {
      ++counters_.to_components;  // e.g. a MUC room: the occupant leaves
      c->handle_stanza(now_, p);
    } else if (remote_ && is_remote(target)) {
      to_remote(p);
    } else if (target.is_full()) {
      if (auto t = session_by_full_jid(target); t && !blocks(target.bare(), s->jid)) deliver(*t, std::move(p));
    } else {
      deliver_presence_to_account(target, p);
    }
  }
}

void Router::directed_presence(std::uint64_t id, Element presence, const Jid& to) {
  Session* s = session(id);
  if (!s) return;
  const bool remote = !is_local_domain(to.domain());
  if (remote && !remote_)
    return send_error(presence, StanzaError(Condition::remote_server_not_found, "no federation with " + to.domain()));
  if (!remote && to.local().empty()) {
    ++counters_.ignored;  // presence to the server itself: nothing to do
    return;
  }
  if (outbound_blocked(id, presence, to)) return;
  const Jid user = s->jid.bare();
  const auto type = presence.attribute("type").value_or("");
  if (type != "error") {
    // §4.6: remember who got our presence outside the subscription, to send
    // them our unavailable presence later; a directed unavailable ends it.
    const bool subscribed = subscribed_from(state_of(contact(user, to.bare())));
    if (type.empty() && !(subscribed && s->available)) s->directed.insert(to);
    else if (type == "unavailable") s->directed.erase(to);
  }
  if (remote) return to_remote(presence);
  if (to.is_full()) {
    // §8.5.3.2.1: presence to a resource that is not there is ignored.
    auto t = session_by_full_jid(to);
    if (!t) return;
    if (blocks(to.bare(), s->jid)) {
      ++counters_.blocked;
      return;
    }
    deliver(*t, std::move(presence));
  } else {
    deliver_presence_to_account(to, presence);
  }
}

}  // namespace confab::xmpp
