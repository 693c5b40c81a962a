// Federation's side of the router (remote_route.hpp): what local users send
// to other servers goes to the RemoteRoute; what other servers' users send
// to local ones follows the same RFC 6121 rules as local traffic (offline
// storage, carbons, the archive, blocking, subscriptions).
#include "xmpp/im_namespaces.hpp"
#include "xmpp/namespaces.hpp"
#include "xmpp/router.hpp"

namespace confab::xmpp {

namespace {

std::optional<SubscriptionStanza> subscription_type(std::string_view type) {
  if (type == "subscribe") return SubscriptionStanza::subscribe;
  if (type == "subscribed") return SubscriptionStanza::subscribed;
  if (type == "unsubscribe") return SubscriptionStanza::unsubscribe;
  if (type == "unsubscribed") return SubscriptionStanza::unsubscribed;
  return std::nullopt;
}

}  // namespace

void Router::to_remote(const Element& stanza) {
  if (remote_) remote_->handle_stanza(now_, stanza);
}

void Router::route_from_remote(Instant now) {
  now_ = std::max(now_, now);
  if (!remote_) return;
  for (int i = 0; i < 100000; ++i) {  // bounded: the remote route's queue is
    auto st = remote_->poll_stanza();
    if (!st) break;
    ++counters_.stanzas_in;
    from_remote(std::move(*st));
  }
  pump_components();
  evict_idle_accounts();
}

void Router::from_remote(Element st) {
  auto from = Jid::parse(st.attribute("from").value_or(""));
  auto to = Jid::parse(st.attribute("to").value_or(""));
  if (!from || !to) {
    ++counters_.ignored;
    return;
  }
  if (!is_local_domain(to->domain())) {
    // A remote user joining a room here, or an error we bounced to a
    // component's request: the component's business.
    if (Component* c = component_for(to->domain())) {
      ++counters_.to_components;
      c->handle_stanza(now_, st);
    } else {
      ++counters_.ignored;
    }
    return;
  }
  if (st.name == "message") {
    if (to->local().empty()) {
      if (st.attribute("type") != "error") send_error(st, StanzaError(Condition::service_unavailable));
      return;
    }
    const bool copies = carbon_eligible(st);
    return message_to_account(std::move(st), *to, copies);
  }
  if (st.name == "presence") return remote_presence(st, *from, *to);
  if (st.name == "iq") return remote_iq(st, *from, *to);
  ++counters_.ignored;
}

void Router::remote_presence(const Element& st, const Jid& from, const Jid& to) {
  const std::string type(st.attribute("type").value_or(""));
  if (to.local().empty()) {
    ++counters_.ignored;  // presence to the server itself
    return;
  }
  if (auto kind = subscription_type(type)) {
    // RFC 6121 §3 / Appendix A.3 on the contact's side, bare JIDs both.
    Element stamped = st;
    stamped.set_attribute("from", from.bare().str());
    stamped.set_attribute("to", to.bare().str());
    return inbound_subscription(to.bare(), from.bare(), *kind, stamped);
  }
  if (type == "probe") return answer_remote_probe(to.bare(), from);
  if (blocks(to.bare(), from)) {
    ++counters_.blocked;
    return;
  }
  if (to.is_full()) {
    if (auto t = session_by_full_jid(to)) deliver(*t, st);
    return;  // §8.5.3.2.1
  }
  deliver_presence_to_account(to, st);
}

// §4.3.2: a remote contact's server asks for our user's presence.
void Router::answer_remote_probe(const Jid& user, const Jid& prober) {
  if (!account_exists(user)) return;  // §4.3.2 lets a server stay silent
  const Jid prober_bare = prober.bare();
  if (blocks(user, prober_bare)) {
    ++counters_.blocked;
    return;
  }
  if (!subscribed_from(state_of(contact(user, prober_bare)))) {
    Element unsubscribed("presence", std::string(ns::client));
    unsubscribed.set_attribute("from", user.str());
    unsubscribed.set_attribute("to", prober_bare.str());
    unsubscribed.set_attribute("type", "unsubscribed");
    return to_remote(unsubscribed);
  }
  for (std::uint64_t id : available_sessions_of(user)) {
    Session* s = session(id);
    if (!s || !s->presence) continue;
    Element p = *s->presence;
    p.set_attribute("to", prober.str());
    to_remote(p);
  }
}

void Router::remote_iq(const Element& st, const Jid& from, const Jid& to) {
  const std::string type(st.attribute("type").value_or(""));
  const bool request = type == "get" || type == "set";
  if (!request && type != "result" && type != "error") {
    ++counters_.ignored;
    return;
  }
  if (to.is_full() && !to.local().empty()) {
    // §8.5.3: that resource answers.
    auto target = session_by_full_jid(to);
    if (!target || blocks(to.bare(), from)) {
      if (request) send_error(st, StanzaError(Condition::service_unavailable));
      return;
    }
    return deliver(*target, st);
  }
  if (!request) {
    for (const auto& x : extensions_)
      if (x->iq_answer(now_, st)) return;
    ++counters_.ignored;
    return;
  }
  const auto payloads = st.elements();
  if (payloads.size() != 1) return send_error(st, StanzaError(Condition::bad_request, "exactly one child element"));
  const Element& payload = *payloads.front();
  if (to.local().empty() && !to.is_full()) {
    // The server itself: ping (XEP-0199) and disco#info (XEP-0030), the
    // questions other servers and their users ask of a server.
    std::optional<Element> answer;
    if (payload.is("ping", ns::ping) && type == "get") {
      answer.emplace("iq", std::string(ns::client));
    } else if (payload.is("query", ns::disco_info) && type == "get" && !payload.attribute("node")) {
      answer.emplace("iq", std::string(ns::client));
      answer->add_child(server_info());
    }
    if (answer) {
      answer->set_attribute("type", "result");
      answer->set_attribute("from", to.str());
      answer->set_attribute("to", from.str());
      if (auto id = st.attribute("id")) answer->set_attribute("id", std::string(*id));
      return to_remote(*answer);
    }
  }
  // An account's bare JID (roster, vCard, PEP...) is served only to its
  // owner and local contacts for now.
  send_error(st, StanzaError(Condition::service_unavailable));
}

}  // namespace confab::xmpp
