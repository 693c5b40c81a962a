#include "xmpp/router.hpp"

#include <algorithm>

#include "xmpp/im_namespaces.hpp"
#include "xmpp/namespaces.hpp"

namespace confab::xmpp {

namespace {

// <stream:error><conflict/><text/></stream:error> (RFC 6120 §4.9.3.3): the
// stream that lost its resource to a newer session.
Element conflict_error() {
  Element e("error", std::string(ns::streams));
  e.prefix = "stream";
  e.add_child(Element("conflict", std::string(ns::stream_errors)));
  Element text("text", std::string(ns::stream_errors));
  text.add_text("Replaced by a new connection for this resource");
  e.add_child(std::move(text));
  return e;
}

}  // namespace

Router::Router(RouterConfig config, XmppStore& store, Rng& rng)
    : config_(std::move(config)), store_(store), rng_(rng) {
  register_builtin_handlers();
}

bool Router::is_local_domain(std::string_view domain) const {
  return std::find(config_.domains.begin(), config_.domains.end(), domain) != config_.domains.end();
}

Result<Jid, BindError> Router::bind(std::uint64_t id, const Jid& account, std::string_view requested) {
  using Kind = BindError::Kind;
  if (sessions_.count(id)) return unexpected(BindError{Kind::not_allowed, "this stream has bound a resource already"});
  if (account.local().empty() || !is_local_domain(account.domain()))
    return unexpected(BindError{Kind::not_allowed, account.bare_str() + " is not an account of this server"});
  const Jid bare = account.bare();

  std::string resource;
  if (requested.empty()) {
    // RFC 6120 §7.6: the server generates one; random, so it reveals nothing.
    do resource = rng_.random_hex(8);
    while (by_full_jid_.count(bare.with_resource(resource)));
  } else {
    auto prepared = prepare_resource(requested);
    if (!prepared) return unexpected(BindError{Kind::not_allowed, prepared.error().message});
    resource = std::move(*prepared);
  }
  const Jid full = bare.with_resource(resource);
  auto taken = by_full_jid_.find(full);
  std::size_t others = sessions_of(bare).size() - (taken != by_full_jid_.end() ? 1 : 0);
  if (others >= config_.max_resources_per_account)
    return unexpected(BindError{Kind::resource_constraint,
                                "at most " + std::to_string(config_.max_resources_per_account) +
                                    " resources may be bound at once"});
  if (taken != by_full_jid_.end()) {
    // §7.7.2.2's "override" policy: the newest session is the one the user
    // is looking at; the old one is likely a dead connection not yet noticed.
    const std::uint64_t old = taken->second;
    ++counters_.conflicts;
    deliveries_.push_back({old, conflict_error(), true});
    forget_session(old);
    pump_components();
  }
  sessions_[id].jid = full;
  by_full_jid_[full] = id;
  accounts_[bare].sessions.push_back(id);
  ++counters_.sessions;
  return full;
}

void Router::session_closed(Instant now, std::uint64_t id) {
  now_ = std::max(now_, now);
  forget_session(id);
  pump_components();
  evict_idle_accounts();
}

void Router::forget_session(std::uint64_t id) {
  Session* s = session(id);
  if (!s) return;
  // §4.5.2 / §4.6.3: whoever had this resource's presence, including
  // entities it sent directed presence to, learns it is gone.
  Element unavailable("presence", std::string(ns::client));
  unavailable.set_attribute("from", s->jid.str());
  unavailable.set_attribute("type", "unavailable");
  const Jid full = s->jid;
  broadcast_unavailable(id, std::move(unavailable), false);
  by_full_jid_.erase(full);
  if (auto a = accounts_.find(full.bare()); a != accounts_.end()) std::erase(a->second.sessions, id);
  maybe_idle_.push_back(full.bare());
  sessions_.erase(id);
  --counters_.sessions;
  for (Component* c : components_) c->session_ended(now_, full);
}

void Router::handle_stanza(Instant now, std::uint64_t id, const Element& stanza) {
  ++counters_.stanzas_in;
  now_ = std::max(now_, now);
  Session* s = session(id);
  if (!s) {
    ++counters_.unknown_session;
    return;
  }
  if (stanza.ns == ns::csi) {
    handle_csi(id, stanza);
  } else if (stanza.ns != ns::client) {
    ++counters_.ignored;
  } else {
    // RFC 6120 §8.1.2.1: the server stamps `from` with the full JID the
    // stream is bound to, whatever the client wrote.
    Element st = stanza;
    st.set_attribute("from", s->jid.str());
    // A stanza for a component's domain is the component's business.
    if (!route_to_component(id, st)) {
      if (st.name == "message") handle_message(id, std::move(st));
      else if (st.name == "presence") handle_presence(now, id, std::move(st));
      else if (st.name == "iq") handle_iq(now, id, std::move(st));
      else ++counters_.ignored;
    }
  }
  pump_components();
  evict_idle_accounts();
}

std::optional<Delivery> Router::poll_delivery() {
  if (deliveries_.empty()) return std::nullopt;
  Delivery d = std::move(deliveries_.front());
  deliveries_.pop_front();
  return d;
}

RouterCounters Router::counters() const { return counters_; }

std::optional<Jid> Router::session_jid(std::uint64_t id) const {
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return std::nullopt;
  return it->second.jid;
}

bool Router::is_available(std::uint64_t id) const {
  auto it = sessions_.find(id);
  return it != sessions_.end() && it->second.available;
}

void Router::deliver(std::uint64_t id, Element stanza) {
  Session* s = session(id);
  if (!s) return;
  if (hold_presence(*s, stanza)) return;
  ++counters_.deliveries;
  deliveries_.push_back({id, std::move(stanza), false});
}

void Router::send_error(const Element& stanza, const StanzaError& error) {
  auto from = stanza.attribute("from");
  if (!from) return;
  auto sender = Jid::parse(*from);
  if (!sender) return;
  if (remote_ && is_remote(*sender)) {
    // A stanza from another server: the error goes back the same way.
    if (auto reply = error_reply(stanza, error)) {
      ++counters_.errors_sent;
      to_remote(*reply);
    }
    return;
  }
  auto target = session_by_full_jid(*sender);
  if (!target) return;  // the sender has gone; nobody to tell
  auto reply = error_reply(stanza, error, sender->bare_str());
  if (!reply) return;
  ++counters_.errors_sent;
  deliver(*target, std::move(*reply));
}

Router::Session* Router::session(std::uint64_t id) {
  auto it = sessions_.find(id);
  return it == sessions_.end() ? nullptr : &it->second;
}

std::vector<std::uint64_t> Router::sessions_of(const Jid& bare) const {
  auto it = accounts_.find(bare);
  return it == accounts_.end() ? std::vector<std::uint64_t>{} : it->second.sessions;
}

std::vector<std::uint64_t> Router::available_sessions_of(const Jid& bare) const {
  std::vector<std::uint64_t> out;
  for (std::uint64_t id : sessions_of(bare))
    if (auto it = sessions_.find(id); it != sessions_.end() && it->second.available) out.push_back(id);
  return out;
}

std::optional<std::uint64_t> Router::session_by_full_jid(const Jid& full) const {
  auto it = by_full_jid_.find(full);
  if (it == by_full_jid_.end()) return std::nullopt;
  return it->second;
}

std::string Router::new_id(std::string_view prefix) { return std::string(prefix) + rng_.random_hex(6); }

}  // namespace confab::xmpp
