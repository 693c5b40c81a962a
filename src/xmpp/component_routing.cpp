// Components (component.hpp): the services on their own domains — a stanza
// a user addresses to one is handed over as it is; what the component sends
// back is routed to local users like any inbound stanza from elsewhere.
#include <algorithm>

#include "xmpp/namespaces.hpp"
#include "xmpp/router.hpp"

namespace confab::xmpp {

bool Router::add_component(Component& component) {
  const std::string& domain = component.domain();
  if (domain.empty() || is_local_domain(domain) || component_for(domain)) return false;
  components_.push_back(&component);
  offline_components_.erase(domain);
  return true;
}

void Router::remove_component(const Component& component) {
  auto it = std::find(components_.begin(), components_.end(), &component);
  if (it == components_.end()) return;
  offline_components_.insert(component.domain());
  components_.erase(it);
}

void Router::route_from_components(Instant now) {
  now_ = std::max(now_, now);
  pump_components();
  evict_idle_accounts();
}

Component* Router::component_for(std::string_view domain) const {
  auto it = std::find_if(components_.begin(), components_.end(),
                         [&](const Component* c) { return c->domain() == domain; });
  return it == components_.end() ? nullptr : *it;
}

bool Router::route_to_component(std::uint64_t id, const Element& st) {
  if (components_.empty() && offline_components_.empty()) return false;
  if (st.name != "message" && st.name != "presence" && st.name != "iq") return false;
  auto to_text = st.attribute("to");
  if (!to_text) return false;
  auto to = Jid::parse(*to_text);
  if (!to) return false;  // the stanza's own handler answers jid-malformed
  Component* c = component_for(to->domain());
  if (!c) return to_offline_component(st, *to);
  Session* s = session(id);
  if (!s || outbound_blocked(id, st, *to)) return true;
  if (st.name == "presence") {
    // RFC 6121 §4.6: presence to a room is directed presence; remembering it
    // means the user's unavailable presence (explicit or on close) reaches
    // the room too, which is how XEP-0045 §7.14 expects occupants to leave.
    const auto type = st.attribute("type").value_or("");
    if (type.empty()) s->directed.insert(*to);
    else if (type == "unavailable") s->directed.erase(*to);
  }
  ++counters_.to_components;
  c->handle_stanza(now_, st);
  return true;
}

void Router::pump_components() {
  for (Component* c : components_)
    while (auto st = c->poll_stanza()) from_component(std::move(*st));
}

// A component's domain that is not connected now (remove_component) is
// still ours: a request or message to it bounces with service-unavailable
// (RFC 6120 §8.3.3.19) rather than being taken for another server's.
bool Router::to_offline_component(const Element& st, const Jid& to) {
  if (!offline_components_.count(to.domain())) return false;
  if (st.name == "presence") {
    ++counters_.ignored;
    return true;
  }
  send_error(st, StanzaError(Condition::service_unavailable, to.domain() + " is not connected"));
  return true;
}

void Router::from_component(Element st) {
  ++counters_.from_components;
  // route_local reaches local users' resources (and accounts, for messages
  // and presence). An IQ request to anything else — the server, another
  // domain, a bare JID — is answered here, so that the component (an
  // external one asks what it likes) does not wait for ever.
  if (st.name == "iq") {
    const auto type = st.attribute("type").value_or("");
    auto to = Jid::parse(st.attribute("to").value_or(""));
    const bool reachable = to && !to->local().empty() && is_local_domain(to->domain()) && to->is_full();
    if ((type == "get" || type == "set") && !reachable) {
      auto from = Jid::parse(st.attribute("from").value_or(""));
      Component* c = from ? component_for(from->domain()) : nullptr;
      auto reply = error_reply(st, StanzaError(Condition::service_unavailable, "not reachable from a component"));
      if (c && reply) {
        ++counters_.errors_sent;
        c->handle_stanza(now_, *reply);
      }
      return;
    }
  }
  route_local(std::move(st));
}

void Router::route_local(Element st) {
  auto to = Jid::parse(st.attribute("to").value_or(""));
  // An extension's notification to a user on another server (PEP), or a
  // room's stanza to an occupant there (the remote route sends only from
  // the domains it federates: ours and the group chat service's).
  if (to && remote_ && is_remote(*to)) {
    auto from = Jid::parse(st.attribute("from").value_or(""));
    if (from && (is_local_domain(from->domain()) || component_for(from->domain()))) return to_remote(st);
  }
  // Only local users: nothing here answers a component's stanzas to the
  // server or to another component.
  if (!to || to->local().empty() || !is_local_domain(to->domain())) {
    ++counters_.ignored;
    return;
  }
  // Messages follow RFC 6121 §8.5 like any other (blocking, a resource that
  // has gone, offline storage of an invitation to a bare JID).
  if (st.name == "message") return message_to_account(std::move(st), *to, false);
  auto from = Jid::parse(st.attribute("from").value_or(""));
  if (from && blocks(to->bare(), *from)) {
    ++counters_.blocked;  // XEP-0191 §3.2: presence and IQs from a blocked JID are dropped
    return;
  }
  if (to->is_full()) {
    if (auto t = session_by_full_jid(*to)) deliver(*t, std::move(st));
    return;  // §8.5.3.2.1: presence or an IQ for a resource that is not there
  }
  if (st.name == "presence") deliver_presence_to_account(*to, st);
  else ++counters_.ignored;  // an IQ to a bare JID: no component asks users anything yet
}

}  // namespace confab::xmpp
