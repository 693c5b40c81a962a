#include "diag/socket_watch.hpp"

#include <set>
#include <utility>

namespace confab::diag {

namespace {

using ListenerSet = std::set<std::pair<std::int32_t, std::uint16_t>>;  // pid, TCP port it listens on

bool is(const SocketRecord& s, SocketState st) { return s.state == static_cast<std::uint8_t>(st); }

// What a socket is doing, named as the event that would announce it.
WatchEventKind classify(std::int32_t pid, const SocketRecord& s, const ListenerSet& listeners) {
  if (s.proto == Proto::tcp && is(s, SocketState::listen)) return WatchEventKind::listening;
  if (s.proto == Proto::tcp && is(s, SocketState::syn_sent)) return WatchEventKind::connecting;
  if (s.remote.port == 0) return WatchEventKind::opened;
  if (s.proto == Proto::tcp && listeners.contains({pid, s.local.port})) return WatchEventKind::accepted;
  return WatchEventKind::connected;
}

const char* role_of(WatchEventKind k) {
  switch (k) {
    case WatchEventKind::listening: return "listen";
    case WatchEventKind::accepted: return "accept";
    case WatchEventKind::connecting:
    case WatchEventKind::connected: return "connect";
    case WatchEventKind::sent: return "send";
    default: return "bind";
  }
}

}  // namespace

const char* to_string(WatchEventKind k) {
  switch (k) {
    case WatchEventKind::present: return "present";
    case WatchEventKind::started: return "started";
    case WatchEventKind::exited: return "exited";
    case WatchEventKind::listening: return "listening";
    case WatchEventKind::opened: return "opened";
    case WatchEventKind::connecting: return "connecting";
    case WatchEventKind::connected: return "connected";
    case WatchEventKind::accepted: return "accepted";
    case WatchEventKind::closed: return "closed";
    case WatchEventKind::sent: return "sent";
  }
  return "?";
}

std::string describe(const WatchEvent& e) {
  if (!e.socket) return to_string(e.kind);
  const auto& s = e.socket->socket;
  std::string out = e.kind == WatchEventKind::present ? "has" : to_string(e.kind);
  out += std::string(" ") + to_string(s.proto) + " " + endpoint_text(s.local);
  if (s.remote.port != 0) {
    out += (e.incoming ? " \u2190 " : " \u2192 ") + endpoint_text(s.remote, true);
  }
  if (e.kind == WatchEventKind::present || e.kind == WatchEventKind::closed)
    out += " " + state_name(s.proto, s.state);
  if (e.socket->service != "-") out += " (" + e.socket->service + ")";
  return out;
}

std::vector<WatchEvent> SocketWatch::observe(WallTime now, const WatchSnapshot& snap) {
  std::vector<WatchEvent> started, changed, closed, exited;

  std::map<std::int32_t, ProcessRef> alive;
  for (const auto& p : snap.processes) alive[p.pid] = p;
  for (const auto& [pid, p] : alive)
    if (!first_ && !processes_.contains(pid)) started.push_back({now, WatchEventKind::started, p, std::nullopt});
  for (const auto& [pid, p] : processes_)
    if (!alive.contains(pid)) exited.push_back({now, WatchEventKind::exited, p, std::nullopt});

  ListenerSet listeners;
  std::map<Key, std::pair<ProcessRef, OwnedSocket>> current;
  std::vector<Key> order;  // the snapshot's (listeners first, by port), for events in a readable order
  for (const auto& o : snap.sockets)
    for (const auto& owner : o.owners) {
      if (o.socket.proto == Proto::tcp && is(o.socket, SocketState::listen))
        listeners.insert({owner.pid, o.socket.local.port});
      const Key key{owner.pid, o.socket.proto, o.socket.inode};
      if (current.emplace(key, std::pair{owner, o}).second) order.push_back(key);
    }

  for (const auto& key : order) {
    const auto& [owner, o] = current.at(key);
    const auto kind = classify(owner.pid, o.socket, listeners);
    auto old = sockets_.find(key);
    const bool incoming = kind == WatchEventKind::accepted;
    if (old == sockets_.end()) {
      WatchEvent e{now, first_ ? WatchEventKind::present : kind, owner, o, incoming};
      // The trace told of this socket already: follow it (for `closed`), say nothing now.
      if (!traced_.contains(TracedKey{owner.pid, o.socket.proto, o.socket.local.port, o.socket.remote})) {
        changed.push_back(e);
        touch(e, kind);
      }
      continue;
    }
    const auto& before = old->second.socket.socket;
    // A UDP socket connect()ed after bind, or a TCP handshake that finished.
    const bool now_connected = o.socket.remote != before.remote && o.socket.remote.port != 0;
    const bool handshake_done = is(before, SocketState::syn_sent) && is(o.socket, SocketState::established);
    // bind() seen by one poll, listen() by the next (unless the trace said so).
    const bool now_listening = is(o.socket, SocketState::listen) && !is(before, SocketState::listen);
    if (now_listening && !traced_listeners_.contains(o.socket.local.port)) {
      WatchEvent e{now, WatchEventKind::listening, owner, o, false};
      changed.push_back(e);
      touch(e, WatchEventKind::listening);
    }
    if (now_connected || handshake_done) {
      WatchEvent e{now, WatchEventKind::connected, owner, o, old->second.incoming};
      changed.push_back(e);
      if (before.remote.port == 0) touch(e, kind);  // a new role (bind → connect); a handshake is not
    }
  }
  for (const auto& [key, seen] : sockets_)
    if (!current.contains(key)) {
      auto p = processes_.find(std::get<0>(key));
      ProcessRef owner = p != processes_.end() ? p->second : ProcessRef{std::get<0>(key), "?"};
      closed.push_back({now, WatchEventKind::closed, owner, seen.socket, seen.incoming});
    }

  std::map<Key, Seen> next;
  for (auto& [key, entry] : current) {
    auto old = sockets_.find(key);
    // Accepted stays accepted (the listener may close first).
    const bool incoming = old != sockets_.end() ? old->second.incoming
                                                : classify(entry.first.pid, entry.second.socket, listeners) ==
                                                      WatchEventKind::accepted;
    next[key] = {std::move(entry.second), incoming};
  }
  sockets_ = std::move(next);
  processes_ = std::move(alive);
  first_ = false;

  std::vector<WatchEvent> out;
  for (auto* part : {&started, &changed, &closed, &exited})
    for (auto& e : *part) out.push_back(std::move(e));
  return out;
}

void SocketWatch::touch(const WatchEvent& e, WatchEventKind kind) {
  const auto& s = e.socket->socket;
  const std::string role = role_of(kind);
  const bool outgoing = role == "connect" || role == "send";
  const std::string endpoint = outgoing ? endpoint_text(s.remote, true) : endpoint_text(s.local);
  auto key = std::make_tuple(e.process.name, s.proto, role, endpoint);
  auto it = touch_index_.find(key);
  if (it == touch_index_.end()) {
    touch_index_[key] = touches_.size();
    touches_.push_back({e.process.name, s.proto, role, endpoint, e.socket->service, 1, e.at});
  } else {
    ++touches_[it->second].sockets;
  }
}

std::optional<ProcessRef> SocketWatch::listener_of(Proto proto, std::uint16_t port) const {
  if (proto != Proto::tcp) return std::nullopt;
  for (const auto& [key, seen] : sockets_)
    if (seen.socket.socket.local.port == port && is(seen.socket.socket, SocketState::listen))
      for (const auto& p : seen.socket.owners)
        if (p.pid == std::get<0>(key)) return p;
  if (auto it = traced_listeners_.find(port); it != traced_listeners_.end()) return it->second;
  return std::nullopt;
}

std::vector<WatchEvent> SocketWatch::observe_traced(WallTime now, const SocketTraceEvent& t,
                                                      std::optional<ProcessRef> owner,
                                                      const std::vector<CatalogEntry>& catalog) {
  if (t.kind == TraceKind::bound) return {};  // no address: the caller polls at once instead
  if (t.kind == TraceKind::accept) owner = listener_of(t.proto, t.local.port);
  if (!owner) return {};

  SocketRecord record;
  record.proto = t.proto;
  record.local = t.local;
  record.remote = t.remote;
  WatchEventKind kind = WatchEventKind::sent;
  switch (t.kind) {
    case TraceKind::listen:
      kind = WatchEventKind::listening;
      record.state = static_cast<std::uint8_t>(SocketState::listen);
      record.remote = SocketAddress{t.local.ip.family() == IpFamily::v6 ? *IpAddress::parse("::") : IpAddress{}, 0};
      traced_listeners_[t.local.port] = *owner;
      break;
    case TraceKind::accept:
      kind = WatchEventKind::accepted;
      record.state = static_cast<std::uint8_t>(SocketState::established);
      break;
    case TraceKind::connect:
      kind = WatchEventKind::connecting;
      record.state = static_cast<std::uint8_t>(SocketState::syn_sent);
      break;
    case TraceKind::send:
    case TraceKind::bound:
      record.state = static_cast<std::uint8_t>(SocketState::close);
      break;
  }
  const TracedKey key{owner->pid, record.proto, record.local.port, record.remote};
  if (!traced_.insert(key).second) return {};  // said already: a datagram to the same place
  // A UDP socket that sent, seen by a poll while still unconnected, was
  // reported by the trace too.
  if (kind == WatchEventKind::sent)
    traced_.insert(TracedKey{owner->pid, record.proto, record.local.port,
                             SocketAddress{record.local.ip.family() == IpFamily::v6 ? *IpAddress::parse("::")
                                                                                   : IpAddress{},
                                           0}});
  // A socket polls already know (a datagram from a bound media port to a
  // new peer) is still news; a connection polls already saw is not.
  for (const auto& [k, seen] : sockets_)
    if (std::get<0>(k) == owner->pid && seen.socket.socket.proto == record.proto &&
        seen.socket.socket.local.port == record.local.port && seen.socket.socket.remote == record.remote &&
        kind != WatchEventKind::sent &&
        // A bound TCP socket a poll saw before listen() is still news when it listens.
        (kind != WatchEventKind::listening || is(seen.socket.socket, SocketState::listen)))
      return {};

  std::vector<WatchEvent> out;
  if (!processes_.contains(owner->pid)) {
    // Started since the last poll (or before the first: then it is simply there).
    if (!first_) out.push_back({now, WatchEventKind::started, *owner, std::nullopt, false, true});
    processes_[owner->pid] = *owner;
  }
  OwnedSocket socket{record, {*owner}, service_of(record, catalog)};
  WatchEvent e{now, kind, *owner, socket, kind == WatchEventKind::accepted, true};
  touch(e, kind);
  out.push_back(std::move(e));
  return out;
}

std::vector<PortTouch> SocketWatch::summary() const { return touches_; }

}  // namespace confab::diag
