// Federation's streams and queues (s2s_manager.hpp).
#include "xmpp/s2s_manager.hpp"

#include <algorithm>
#include <set>

#include "xmpp/jid.hpp"

namespace confab::xmpp {

S2sManager::S2sManager(S2sConfig config, Rng& rng) : config_(std::move(config)), rng_(rng) {}

bool S2sManager::is_local(const std::string& domain) const {
  return std::find(config_.domains.begin(), config_.domains.end(), domain) != config_.domains.end();
}

void S2sManager::handle_stanza(Instant now, const Element& st) {
  auto from = Jid::parse(st.attribute("from").value_or(""));
  auto to = Jid::parse(st.attribute("to").value_or(""));
  // The router stamps `from` with a local JID; anything else is not ours to send.
  if (!from || !to || !is_local(from->domain()) || is_local(to->domain())) return;
  Outgoing& o = ensure(now, from->domain(), to->domain());
  if (o.authenticated && o.conn) {
    auto c = conns_.find(*o.conn);
    if (c != conns_.end() && c->second.stream->send(st)) {
      c->second.last_stanza = now;
      service(now, *o.conn);
      return;
    }
  }
  if (o.queue.size() >= config_.max_queue) {
    ++counters_.queue_full;
    return bounce(st, Condition::resource_constraint, "too many stanzas waiting for " + to->domain());
  }
  o.queue.push_back(st);
}

std::optional<Element> S2sManager::poll_stanza() {
  if (to_router_.empty()) return std::nullopt;
  Element e = std::move(to_router_.front());
  to_router_.pop_front();
  return e;
}

S2sManager::Outgoing& S2sManager::ensure(Instant now, const std::string& local, const std::string& remote) {
  const Pair pair{local, remote};
  auto it = out_.find(pair);
  if (it != out_.end()) return it->second;
  Outgoing& o = out_[pair];
  o.deadline = now + config_.connect_timeout;
  actions_.push_back(S2sResolve{remote});
  return o;
}

void S2sManager::handle_resolved(Instant now, const std::string& domain, std::vector<SocketAddress> addresses,
                                 std::string error) {
  std::vector<Pair> pairs;
  for (auto& [pair, o] : out_)
    if (pair.second == domain && !o.resolved) pairs.push_back(pair);
  for (const Pair& pair : pairs) {
    Outgoing& o = out_[pair];
    o.resolved = true;
    o.addresses = addresses;
    if (addresses.empty()) {
      ++counters_.connect_failures;
      actions_.push_back(S2sLog{"s2s: cannot find " + domain + ": " + error, true});
      fail_outgoing(pair, Condition::remote_server_not_found, domain + " not found: " + error);
    } else {
      try_next(now, pair);
    }
  }
}

void S2sManager::try_next(Instant now, const Pair& pair) {
  auto it = out_.find(pair);
  if (it == out_.end()) return;
  Outgoing& o = it->second;
  o.conn.reset();
  if (o.next >= o.addresses.size() || conns_.size() >= config_.max_connections) {
    ++counters_.connect_failures;
    if (conns_.size() >= config_.max_connections) ++counters_.refused_connections;
    actions_.push_back(S2sLog{"s2s: cannot reach " + pair.second, true});
    return fail_outgoing(pair, Condition::remote_server_not_found, "cannot connect to " + pair.second);
  }
  const SocketAddress address = o.addresses[o.next++];
  const std::uint64_t id = next_conn_++;
  Conn& c = conns_[id];
  c.stream = std::make_unique<S2sStream>(config_, S2sStream::outgoing(pair.first, pair.second), rng_, now);
  c.outgoing = pair;
  c.opened = c.last_stanza = now;
  o.conn = id;
  actions_.push_back(S2sConnect{id, address, c.stream->poll_output().value_or("")});
}

void S2sManager::fail_outgoing(const Pair& pair, Condition condition, const std::string& text) {
  auto it = out_.find(pair);
  if (it == out_.end()) return;
  Outgoing o = std::move(it->second);
  out_.erase(it);
  for (const Element& st : o.queue) bounce(st, condition, text);
  // Keys waiting to be checked through this pair cannot be: refused.
  std::vector<std::pair<std::uint64_t, std::string>> refused;
  for (const auto& v : verifications_)
    if (v.local == pair.first && v.remote == pair.second) refused.emplace_back(v.incoming, v.remote);
  std::erase_if(verifications_, [&](const Verification& v) { return v.local == pair.first && v.remote == pair.second; });
  if (o.conn) {
    if (auto c = conns_.find(*o.conn); c != conns_.end()) {
      c->second.outgoing.reset();
      c->second.stream->close();
      service(Instant{}, *o.conn);
    }
  }
  for (const auto& [incoming, remote] : refused) verified(Instant{}, incoming, remote, false);
}

bool S2sManager::accept(Instant now, std::uint64_t conn) {
  if (conns_.size() >= config_.max_connections || conns_.count(conn)) {
    ++counters_.refused_connections;
    return false;
  }
  Conn& c = conns_[conn];
  c.stream = std::make_unique<S2sStream>(config_, S2sStream::incoming(), rng_, now);
  c.opened = c.last_stanza = now;
  return true;
}

void S2sManager::handle_bytes(Instant now, std::uint64_t conn, ByteView bytes) {
  auto it = conns_.find(conn);
  if (it == conns_.end()) return;
  it->second.stream->handle_bytes(now, bytes);
  service(now, conn);
}

void S2sManager::handle_secured(Instant now, std::uint64_t conn) {
  auto it = conns_.find(conn);
  if (it == conns_.end()) return;
  it->second.stream->handle_secured(now);
  service(now, conn);
}

void S2sManager::handle_closed(Instant now, std::uint64_t conn) {
  auto it = conns_.find(conn);
  if (it == conns_.end()) return;
  it->second.disconnect_sent = true;  // it is gone already
  it->second.stream->handle_eof(now);
  service(now, conn);
}

// Moves what a stream produced: bytes to the wire, events to the manager,
// stanzas to the router, its end to the bookkeeping.
void S2sManager::service(Instant now, std::uint64_t conn) {
  auto it = conns_.find(conn);
  if (it == conns_.end()) return;
  S2sStream& s = *it->second.stream;
  if (auto bytes = s.poll_output()) actions_.push_back(S2sWrite{conn, std::move(*bytes)});
  bool stanzas = false;
  while (auto st = s.poll_inbound()) {
    to_router_.push_back(std::move(*st));
    stanzas = true;
  }
  if (stanzas) it->second.last_stanza = now;
  std::string closed_reason;
  bool closed = false;
  while (auto e = s.poll_event()) {
    if (auto* c = std::get_if<S2sClosed>(&*e)) {
      closed = true;
      closed_reason = c->reason;
      continue;
    }
    on_event(now, conn, std::move(*e));
    it = conns_.find(conn);
    if (it == conns_.end()) return;
  }
  if (auto bytes = s.poll_output()) actions_.push_back(S2sWrite{conn, std::move(*bytes)});
  if (closed || s.wants_close()) conn_gone(now, conn, closed ? closed_reason : "closed");
}

void S2sManager::on_event(Instant now, std::uint64_t conn, S2sEvent event) {
  Conn& c = conns_.at(conn);
  if (std::holds_alternative<S2sStartTls>(event)) {
    actions_.push_back(S2sTls{conn, c.outgoing.has_value()});
  } else if (std::holds_alternative<S2sReady>(event)) {
    if (c.outgoing) send_verifications(*c.outgoing);
  } else if (std::holds_alternative<S2sAuthenticated>(event)) {
    if (!c.outgoing) return;
    auto o = out_.find(*c.outgoing);
    if (o == out_.end()) return;
    o->second.authenticated = true;
    actions_.push_back(S2sLog{"s2s: " + c.outgoing->first + " -> " + c.outgoing->second + " authenticated", false});
    auto queue = std::move(o->second.queue);
    o->second.queue.clear();
    for (const Element& st : queue) c.stream->send(st);
    c.last_stanza = now;
  } else if (auto* need = std::get_if<S2sVerifyNeeded>(&event)) {
    verifications_.push_back({conn, need->local, need->remote, need->stream_id, need->key, false});
    ensure(now, need->local, need->remote);
    send_verifications({need->local, need->remote});
  } else if (auto* answer = std::get_if<S2sVerifyAnswered>(&event)) {
    std::vector<std::uint64_t> incoming;
    std::erase_if(verifications_, [&](const Verification& v) {
      if (!v.sent || v.local != answer->local || v.remote != answer->remote || v.stream_id != answer->stream_id)
        return false;
      incoming.push_back(v.incoming);
      return true;
    });
    for (std::uint64_t in : incoming) verified(now, in, answer->remote, answer->valid);
  }
}

void S2sManager::send_verifications(const Pair& pair) {
  auto o = out_.find(pair);
  if (o == out_.end() || !o->second.conn) return;
  auto c = conns_.find(*o->second.conn);
  if (c == conns_.end() || !c->second.stream->is_ready()) return;
  for (auto& v : verifications_)
    if (!v.sent && v.local == pair.first && v.remote == pair.second)
      v.sent = c->second.stream->send_verify(v.local, v.stream_id, v.key);
  if (auto bytes = c->second.stream->poll_output()) actions_.push_back(S2sWrite{c->first, std::move(*bytes)});
}

void S2sManager::verified(Instant now, std::uint64_t incoming, const std::string& remote, bool valid) {
  auto it = conns_.find(incoming);
  if (it == conns_.end()) return;
  it->second.stream->dialback_verified(remote, valid);
  actions_.push_back(S2sLog{"s2s: " + remote + (valid ? " authenticated on an incoming stream" : "'s key did not verify"),
                            !valid});
  service(now, incoming);
}

void S2sManager::conn_gone(Instant now, std::uint64_t conn, const std::string& reason) {
  auto it = conns_.find(conn);
  if (it == conns_.end()) return;
  Conn c = std::move(it->second);
  conns_.erase(it);
  counters_ += c.stream->counters();
  if (!c.disconnect_sent) actions_.push_back(S2sDisconnect{conn});
  std::vector<std::pair<std::uint64_t, std::string>> refused;
  if (c.outgoing) {
    actions_.push_back(S2sLog{"s2s: stream " + c.outgoing->first + " -> " + c.outgoing->second + " ended: " + reason,
                              false});
    auto o = out_.find(*c.outgoing);
    if (o != out_.end() && o->second.conn == conn) {
      if (o->second.authenticated) {
        out_.erase(o);  // the next stanza opens a new stream
      } else {
        // Verifications sent on it will not be answered; queued ones may
        // still go on the next address's stream.
        for (auto& v : verifications_)
          if (v.sent && v.local == c.outgoing->first && v.remote == c.outgoing->second) {
            refused.emplace_back(v.incoming, v.remote);
            v.incoming = 0;
          }
        std::erase_if(verifications_, [](const Verification& v) { return v.incoming == 0; });
        try_next(now, *c.outgoing);
      }
    }
  } else {
    std::erase_if(verifications_, [&](const Verification& v) { return v.incoming == conn; });
  }
  for (const auto& [incoming, remote] : refused) verified(now, incoming, remote, false);
}

void S2sManager::handle_timeout(Instant now) {
  std::vector<Pair> late;
  for (const auto& [pair, o] : out_)
    if (!o.authenticated && o.deadline <= now) late.push_back(pair);
  for (const Pair& pair : late) {
    ++counters_.timeouts;
    actions_.push_back(S2sLog{"s2s: " + pair.second + " did not answer in time", true});
    fail_outgoing(pair, Condition::remote_server_timeout, pair.second + " did not answer in time");
  }
  std::vector<std::uint64_t> idle, unauthenticated;
  for (const auto& [id, c] : conns_) {
    if (!c.outgoing && c.stream->authenticated_domains().empty() && c.opened + config_.auth_timeout <= now)
      unauthenticated.push_back(id);
    else if (c.last_stanza + config_.idle_timeout <= now)
      idle.push_back(id);
  }
  for (std::uint64_t id : unauthenticated) {
    ++counters_.timeouts;
    conns_.at(id).stream->close(StreamErrorCondition::connection_timeout, "no dialback in time");
    service(now, id);
  }
  for (std::uint64_t id : idle) {
    if (auto it = conns_.find(id); it != conns_.end()) {
      it->second.stream->close();  // RFC 6120 §4.4: a clean close; either side reconnects when needed
      service(now, id);
    }
  }
}

std::optional<Instant> S2sManager::poll_timeout() const {
  std::optional<Instant> t;
  auto earliest = [&](Instant x) { t = t ? std::min(*t, x) : x; };
  for (const auto& [pair, o] : out_)
    if (!o.authenticated) earliest(o.deadline);
  for (const auto& [id, c] : conns_) {
    if (!c.outgoing && c.stream->authenticated_domains().empty()) earliest(c.opened + config_.auth_timeout);
    else earliest(c.last_stanza + config_.idle_timeout);
  }
  return t;
}

std::optional<S2sAction> S2sManager::poll_action() {
  if (actions_.empty()) return std::nullopt;
  S2sAction a = std::move(actions_.front());
  actions_.pop_front();
  return a;
}

void S2sManager::shutdown(Instant now) {
  std::vector<Pair> pairs;
  for (const auto& [pair, o] : out_) pairs.push_back(pair);
  for (const Pair& pair : pairs) fail_outgoing(pair, Condition::remote_server_not_found, "the server is shutting down");
  std::vector<std::uint64_t> ids;
  for (const auto& [id, c] : conns_) ids.push_back(id);
  for (std::uint64_t id : ids) {
    if (auto it = conns_.find(id); it != conns_.end()) {
      it->second.stream->close(StreamErrorCondition::system_shutdown, "The server is shutting down");
      service(now, id);
    }
  }
}

void S2sManager::bounce(const Element& stanza, Condition condition, const std::string& text) {
  auto reply = error_reply(stanza, StanzaError(condition, text));
  if (!reply) return;
  ++counters_.bounced;
  to_router_.push_back(std::move(*reply));
}

S2sCounters S2sManager::counters() const {
  S2sCounters t = counters_;
  for (const auto& [id, c] : conns_) t += c.stream->counters();
  return t;
}

std::vector<std::string> S2sManager::outgoing_domains() const {
  std::set<std::string> out;
  for (const auto& [pair, o] : out_)
    if (o.authenticated) out.insert(pair.second);
  return {out.begin(), out.end()};
}

std::vector<std::string> S2sManager::incoming_domains() const {
  std::set<std::string> out;
  for (const auto& [id, c] : conns_)
    for (const auto& d : c.stream->authenticated_domains()) out.insert(d);
  return {out.begin(), out.end()};
}

}  // namespace confab::xmpp
