// RFC 6121 §5 and §8.5: where a message goes — a resource, the
// highest-priority resources, offline storage, or back as an error.
#include <algorithm>

#include "xmpp/im_namespaces.hpp"
#include "xmpp/namespaces.hpp"
#include "xmpp/router.hpp"

namespace confab::xmpp {

namespace {

// §5.2.2: an unknown or absent type is "normal".
std::string message_type(const Element& m) {
  auto t = m.attribute("type").value_or("normal");
  if (t == "chat" || t == "groupchat" || t == "headline" || t == "error") return std::string(t);
  return "normal";
}

void strip(Element& e, std::string_view name, std::string_view ns_name) {
  std::erase_if(e.children, [&](const Node& n) {
    const Element* c = n.element();
    return c && c->is(name, ns_name);
  });
}

}  // namespace

void Router::handle_message(std::uint64_t id, Element st) {
  Session* s = session(id);
  if (!s) return;
  Jid to;
  if (auto to_text = st.attribute("to")) {
    auto parsed = Jid::parse(*to_text);
    if (!parsed) return send_error(st, StanzaError(Condition::jid_malformed, parsed.error().message));
    to = std::move(*parsed);
  } else {
    // RFC 6120 §10.3.1: no 'to' is the sender's own bare JID.
    to = s->jid.bare();
    st.set_attribute("to", to.str());
  }
  const bool remote = !is_local_domain(to.domain());
  if (remote && !remote_)
    return send_error(st, StanzaError(Condition::remote_server_not_found, "no federation with " + to.domain()));
  if (!remote && to.local().empty()) {
    // Nothing here handles messages to the server itself.
    return send_error(st, StanzaError(Condition::service_unavailable));
  }
  if (outbound_blocked(id, st, to)) return;
  // XEP-0280 §7: <private/> keeps a message out of carbons and is removed
  // before delivery; copies of what was sent go to the sender's other
  // carbons-enabled resources.
  const bool copies = carbon_eligible(st);
  strip(st, "private", ns::carbons);
  // Extensions (MAM) see what the user sent; an archive id they return
  // goes into the sender's own carbons only (XEP-0313 §3.5).
  std::optional<Element> archive_id;
  for (const auto& x : extensions_)
    if (auto e = x->message_sent(now_, s->jid.bare(), st)) archive_id = std::move(e);
  if (copies) carbons_sent(id, st, archive_id ? &*archive_id : nullptr);
  if (remote) return to_remote(st);  // another server's users: its own rules apply there
  message_to_account(std::move(st), to, copies);
}

void Router::message_to_account(Element st, const Jid& to, bool copies, bool accepted) {
  const std::string type = message_type(st);
  const Jid bare = to.bare();
  if (!account(bare)) return send_error(st, StanzaError(Condition::internal_server_error, ErrorType::wait));
  if (!account_exists(bare)) {
    // RFC 6120 §10.5.3.1 / RFC 6121 §8.5.1: no such user.
    if (type != "error") send_error(st, StanzaError(Condition::service_unavailable));
    else ++counters_.messages_dropped;
    return;
  }
  if (auto from = Jid::parse(st.attribute("from").value_or("")); from && blocks(bare, *from)) {
    // XEP-0191 §3.2: the blocked sender learns only that it is unavailable.
    ++counters_.blocked;
    if (type != "error") send_error(st, StanzaError(Condition::service_unavailable));
    return;
  }

  std::vector<std::uint64_t> targets;
  if (to.is_full()) {
    if (auto t = session_by_full_jid(to)) {
      targets.push_back(*t);  // §8.5.3.1: that resource, available or not
    } else if (type == "groupchat") {
      return send_error(st, StanzaError(Condition::service_unavailable));  // §8.5.3.2.1
    } else if (type == "headline" || type == "error") {
      ++counters_.messages_dropped;
      return;
    }
    // chat and normal: as if to the bare JID (§8.5.3.2.1).
  }
  if (targets.empty()) {
    if (type == "groupchat") return send_error(st, StanzaError(Condition::service_unavailable));  // §8.5.2.1.1
    if (type == "error") {
      ++counters_.messages_dropped;
      return;
    }
    // §8.5.2.1.1: a negative priority never receives bare-JID messages.
    // Headlines go to every other resource; chat and normal to the
    // highest-priority ones (all of them when several share it).
    int best = -1;
    std::vector<std::pair<int, std::uint64_t>> candidates;
    for (std::uint64_t id : available_sessions_of(bare)) {
      const Session* s = session(id);
      if (!s || s->priority < 0) continue;
      candidates.emplace_back(s->priority, id);
      best = std::max(best, s->priority);
    }
    for (auto [priority, id] : candidates)
      if (type == "headline" || priority == best) targets.push_back(id);
  }
  if (accepted && (!targets.empty() || type == "chat" || type == "normal"))
    for (const auto& x : extensions_) x->message_accepted(now_, bare, st);  // once, whoever receives it
  if (targets.empty()) {
    if (type == "chat" || type == "normal") return store_offline(bare, st);  // §8.5.2.2.1
    ++counters_.messages_dropped;  // a headline nobody is there to see
    return;
  }
  for (std::uint64_t id : targets) deliver(id, st);
  ++counters_.messages_routed;
  if (copies) carbons_received(bare, st, targets);
}

}  // namespace confab::xmpp
