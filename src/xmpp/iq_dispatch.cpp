// IQ stanzas: RFC 6120 §8.2.3's rules, RFC 6121 §8.5's routing (requests
// to a bare JID are answered by the server on the user's behalf, to a full
// JID routed to that resource), and the handler table features plug into.
#include <algorithm>

#include "xmpp/im_namespaces.hpp"
#include "xmpp/namespaces.hpp"
#include "xmpp/router.hpp"

namespace confab::xmpp {

void Router::add_iq_handler(IqRoute route, IqHandler handler) {
  auto same = std::find_if(iq_handlers_.begin(), iq_handlers_.end(), [&](const IqEntry& e) {
    return e.route.ns == route.ns && e.route.name == route.name && e.route.target == route.target;
  });
  if (same != iq_handlers_.end()) *same = {std::move(route), std::move(handler)};
  else iq_handlers_.push_back({std::move(route), std::move(handler)});
}

void Router::add_server_feature(std::string feature) { server_features_.push_back(std::move(feature)); }

void Router::register_builtin_handlers() {
  using T = IqTarget;
  const std::string roster(ns::roster), ping(ns::ping), info(ns::disco_info), items(ns::disco_items),
      blocking(ns::blocking), carbons(ns::carbons);
  add_iq_handler({roster, "query", T::own_account, true, true, {}}, [this](const IqRequest& r) {
    return r.iq.attribute("type") == "get" ? roster_get(r) : roster_set(r);
  });
  // XEP-0199: the server answers pings to itself, and to the user's own
  // account (some clients ping with no 'to').
  for (T t : {T::server, T::own_account})
    add_iq_handler({ping, "ping", t, true, false, {ping}}, [](const IqRequest&) { return std::optional<Element>(); });
  for (T t : {T::server, T::own_account, T::other_account}) {
    add_iq_handler({info, "query", t, true, false, {info}},
                   [this, t](const IqRequest& r) { return disco_info(r, t); });
    add_iq_handler({items, "query", t, true, false, {items}},
                   [this, t](const IqRequest& r) { return disco_items(r, t); });
  }
  if (!config_.server_version.empty())
    add_iq_handler({std::string(ns::version), "query", T::server, true, false, {std::string(ns::version)}},
                   [this](const IqRequest& r) { return version(r); });
  add_iq_handler({blocking, "blocklist", T::own_account, true, false, {blocking}},
                 [this](const IqRequest& r) { return blocklist_get(r); });
  add_iq_handler({blocking, "block", T::own_account, false, true, {blocking}},
                 [this](const IqRequest& r) { return block_set(r, true); });
  add_iq_handler({blocking, "unblock", T::own_account, false, true, {blocking}},
                 [this](const IqRequest& r) { return block_set(r, false); });
  add_iq_handler({carbons, "enable", T::own_account, false, true, {carbons}},
                 [this](const IqRequest& r) { return carbons_set(r, true); });
  add_iq_handler({carbons, "disable", T::own_account, false, true, {carbons}},
                 [this](const IqRequest& r) { return carbons_set(r, false); });
  add_server_feature(std::string(ns::offline_msgs));  // XEP-0160 (advertised as Prosody and ejabberd do)
}

void Router::handle_iq(Instant now, std::uint64_t id, Element st) {
  Session* s = session(id);
  if (!s) return;
  const std::string type(st.attribute("type").value_or(""));
  const bool request = type == "get" || type == "set";
  if (!request && type != "result" && type != "error") {
    ++counters_.ignored;  // §8.2.3: not an IQ we can answer either
    return;
  }
  if (request) {
    if (!st.attribute("id"))
      return send_error(st, StanzaError(Condition::bad_request, "an IQ request needs an id"));
    if (st.elements().size() != 1)
      return send_error(st, StanzaError(Condition::bad_request, "an IQ request carries exactly one child element"));
  }
  const Jid user = s->jid.bare();
  Jid to = user;
  if (auto to_text = st.attribute("to")) {
    auto parsed = Jid::parse(*to_text);
    if (!parsed) return send_error(st, StanzaError(Condition::jid_malformed, parsed.error().message));
    to = std::move(*parsed);
  }
  if (!is_local_domain(to.domain())) {
    if (remote_) {
      if (!outbound_blocked(id, st, to)) to_remote(st);
    } else if (request) {
      send_error(st, StanzaError(Condition::remote_server_not_found, "no federation with " + to.domain()));
    }
    return;
  }
  if (to.local().empty()) {
    if (!request) {
      // Answers to the server: to what an extension asked (XEP-0115 disco).
      for (const auto& x : extensions_)
        if (x->iq_answer(now, st)) return;
      ++counters_.ignored;
    } else if (to.is_full()) send_error(st, StanzaError(Condition::service_unavailable));
    else serve_iq(now, id, st, to, IqTarget::server);
    return;
  }
  if (to.is_bare()) {
    if (!request) {
      ++counters_.ignored;  // e.g. the result of a roster push
      return;
    }
    if (to == user) return serve_iq(now, id, st, to, IqTarget::own_account);
    if (outbound_blocked(id, st, to)) return;
    return serve_iq(now, id, st, to, IqTarget::other_account);
  }
  // A full JID: that resource answers (§8.5.3).
  if (outbound_blocked(id, st, to)) return;
  auto target = session_by_full_jid(to);
  if (!target) {
    if (request) send_error(st, StanzaError(Condition::service_unavailable));  // §8.5.3.2.1
    return;
  }
  if (blocks(to.bare(), s->jid)) {
    ++counters_.blocked;
    if (request) send_error(st, StanzaError(Condition::service_unavailable));  // XEP-0191 §3.2
    return;
  }
  deliver(*target, std::move(st));
}

void Router::serve_iq(Instant now, std::uint64_t id, const Element& st, const Jid& to, IqTarget target) {
  Session* s = session(id);
  if (!s) return;
  const Element& payload = *st.elements().front();
  if (target == IqTarget::other_account) {
    // The server speaks for an account only if it exists and does not
    // block the requester; otherwise it is indistinguishable from absent.
    if (!account_exists(to) || blocks(to, s->jid))
      return send_error(st, StanzaError(Condition::service_unavailable));
  }
  const bool get = st.attribute("type") == "get";
  const IqEntry* entry = nullptr;
  bool known_namespace = false;
  for (const IqEntry& e : iq_handlers_) {
    if (e.route.ns != payload.ns || e.route.name != payload.name || e.route.target != target) continue;
    known_namespace = true;
    if (get ? e.route.get : e.route.set) entry = &e;
  }
  if (!entry) {
    // RFC 6120 §8.4: an unknown payload is service-unavailable; a known one
    // of the wrong type is a feature not implemented.
    return send_error(st, StanzaError(known_namespace ? Condition::feature_not_implemented
                                                      : Condition::service_unavailable));
  }
  ++counters_.iq_handled;
  const Jid from = s->jid;
  IqHandler handler = entry->handler;  // the table may grow while it runs
  IqOutcome outcome = handler(IqRequest{now, id, from, to, st, payload});
  if (auto* error = std::get_if<StanzaError>(&outcome)) return send_error(st, *error);
  Element result("iq", std::string(ns::client));
  // §8.1.2.1: a result comes from where the request was sent; a request
  // without 'to' was the account's own, and its result carries no 'from'.
  if (auto to_text = st.attribute("to")) result.set_attribute("from", std::string(*to_text));
  result.set_attribute("to", from.str());
  result.set_attribute("id", std::string(st.attribute("id").value_or("")));
  result.set_attribute("type", "result");
  if (auto& payload_out = std::get<std::optional<Element>>(outcome)) result.add_child(std::move(*payload_out));
  deliver(id, std::move(result));
}

}  // namespace confab::xmpp
