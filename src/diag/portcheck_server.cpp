#include "diag/portcheck_server.hpp"

#include <algorithm>

#include "diag/sip_probe.hpp"

namespace confab::diag {

namespace {

constexpr std::size_t max_open_range = 64;  // ports one OPEN may name

Reply error_reply(std::string text) {
  Reply r;
  r.kind = ReplyKind::error;
  r.text = std::move(text);
  return r;
}

}  // namespace

PortcheckServer::PortcheckServer(PortcheckServerConfig config, Rng& rng)
    : config_(std::move(config)), rng_(rng), session_limiter_(config_.session_rate), probe_limiter_(config_.probe_rate) {}

std::size_t PortcheckServer::open_ports() const {
  return static_cast<std::size_t>(std::count_if(ports_.begin(), ports_.end(), [](const auto& p) { return p.second.open; }));
}

void PortcheckServer::reply(ControlId c, std::string text) {
  PortcheckAction a;
  a.kind = PortcheckAction::Kind::control_reply;
  a.control = c;
  a.text = std::move(text);
  actions_.push_back(std::move(a));
}

// An error that ends the conversation: the reason, then the connection closes
// (and with it any session).
void PortcheckServer::fail(ControlId c, std::string text) {
  reply(c, format_reply(error_reply(std::move(text))));
  auto it = controls_.find(c);
  if (it == controls_.end()) return;
  auto session = it->second.session;
  controls_.erase(it);
  PortcheckAction a;
  a.kind = PortcheckAction::Kind::close_control;
  a.control = c;
  actions_.push_back(std::move(a));
  if (session) end_session(*session);
}

void PortcheckServer::handle_control_opened(Instant now, ControlId c, const SocketAddress& remote) {
  controls_[c] = Control{remote, now + config_.hello_timeout, std::nullopt};
}

void PortcheckServer::handle_control_closed(Instant, ControlId c) {
  auto it = controls_.find(c);
  if (it == controls_.end()) return;
  auto session = it->second.session;
  controls_.erase(it);
  if (session) end_session(*session);
}

void PortcheckServer::handle_control_line(Instant now, ControlId c, std::string_view line) {
  auto it = controls_.find(c);
  if (it == controls_.end()) return;
  auto cmd = parse_command(line);
  if (!cmd) {
    ++counters_.bad_commands;
    fail(c, cmd.error().message());
    return;
  }
  Control& ctl = it->second;
  if (cmd->verb == Verb::hello) {
    hello(now, c, ctl, *cmd);
    return;
  }
  if (cmd->verb == Verb::bye) {
    fail(c, "bye");
    return;
  }
  if (!ctl.session) {
    ++counters_.bad_commands;
    fail(c, "say PORTCHECK 1 first");
    return;
  }
  Session& s = sessions_.at(*ctl.session);
  switch (cmd->verb) {
    case Verb::open: open(now, s, *cmd); break;
    case Verb::inbound: inbound(s, *cmd); break;
    case Verb::report: report(s); break;
    default: break;
  }
}

void PortcheckServer::hello(Instant now, ControlId c, Control& ctl, const Command& cmd) {
  if (ctl.session) return fail(c, "a session is open on this connection already");
  if (cmd.version < control_min_version || cmd.version > control_version)
    return fail(c, "unsupported version (this server speaks PORTCHECK 1 and 2)");
  const IpAddress ip = ctl.remote.ip;
  const auto per_address = std::count_if(sessions_.begin(), sessions_.end(), [&](const auto& s) { return s.second.ip == ip; });
  if (sessions_.size() >= config_.max_sessions || static_cast<std::size_t>(per_address) >= config_.sessions_per_address) {
    ++counters_.sessions_refused;
    return fail(c, "busy: too many port checks at once, try again in a minute");
  }
  if (!session_limiter_.allow(ip, now)) {
    ++counters_.sessions_refused;
    ++counters_.rate_limited;
    return fail(c, "rate limited: too many port checks from your address");
  }
  Token t{};
  do rng_.fill(t);
  while (sessions_.count(t));
  Session s;
  s.control = c;
  s.ip = ip;
  s.expires = now + config_.session_lifetime;
  sessions_.emplace(t, std::move(s));
  ctl.session = t;
  ++counters_.sessions;
  Reply r;
  r.kind = ReplyKind::session;
  r.token = t;
  r.client_ip = ip;
  r.lifetime_seconds = static_cast<std::uint32_t>(std::chrono::duration_cast<std::chrono::seconds>(config_.session_lifetime).count());
  reply(c, format_reply(r));
  if (cmd.version >= 2) {  // the running catalog, so the client tests the ports in use
    Reply cat;
    cat.kind = ReplyKind::catalog;
    cat.catalog = config_.catalog;
    reply(c, format_reply(cat));
  }
}

bool PortcheckServer::in_catalog(Proto p, std::uint16_t port) const {
  return std::any_of(config_.catalog.begin(), config_.catalog.end(),
                     [&](const CatalogEntry& e) { return e.proto == p && port >= e.first && port <= e.last; });
}

void PortcheckServer::open(Instant, Session& s, const Command& cmd) {
  if (s.pending) return reply(s.control, format_reply(error_reply("one OPEN at a time")));
  if (cmd.last - cmd.first + 1u > max_open_range)
    return reply(s.control, format_reply(error_reply("at most 64 ports per OPEN")));
  for (std::uint32_t p = cmd.first; p <= cmd.last; ++p)
    if (!in_catalog(cmd.proto, static_cast<std::uint16_t>(p)))
      return reply(s.control, format_reply(error_reply(std::string(to_string(cmd.proto)) + "/" + std::to_string(p) +
                                                       " is not in this server's port catalog")));
  if (s.ports.size() + (cmd.last - cmd.first + 1u) > config_.max_open_ports)
    return reply(s.control, format_reply(error_reply("too many open ports for one session")));
  PendingOpen pending{cmd.proto, cmd.first, cmd.last, {}, {}};
  for (std::uint32_t p32 = cmd.first; p32 <= cmd.last; ++p32) {
    const auto p = static_cast<std::uint16_t>(p32);
    const auto key = std::pair{cmd.proto, p};
    if (config_.served.count(key)) {
      pending.unavailable.push_back(p);  // a real service answers there: probe it with its own protocol
      continue;
    }
    if (s.ports.count(key)) continue;
    auto& ps = ports_[key];
    s.ports.insert(key);
    ++ps.refs;
    if (ps.open) continue;
    pending.waiting.push_back(p);
    if (ps.pending) continue;
    ps.pending = true;
    PortcheckAction a;
    a.kind = PortcheckAction::Kind::open_port;
    a.proto = cmd.proto;
    a.port = p;
    actions_.push_back(std::move(a));
  }
  s.pending = std::move(pending);
  if (s.pending->waiting.empty()) finish_open(s);
}

void PortcheckServer::handle_port_result(Instant, Proto proto, std::uint16_t port, bool opened) {
  const auto key = std::pair{proto, port};
  auto it = ports_.find(key);
  if (it == ports_.end()) {
    // Every session that wanted it ended meanwhile.
    if (opened) {
      PortcheckAction a;
      a.kind = PortcheckAction::Kind::close_port;
      a.proto = proto;
      a.port = port;
      actions_.push_back(std::move(a));
    }
    return;
  }
  it->second.pending = false;
  it->second.open = opened;
  for (auto& [token, s] : sessions_) {
    if (!s.pending || s.pending->proto != proto) continue;
    auto& w = s.pending->waiting;
    auto pos = std::find(w.begin(), w.end(), port);
    if (pos == w.end()) continue;
    w.erase(pos);
    if (!opened) {
      s.pending->unavailable.push_back(port);
      s.ports.erase(key);
      --it->second.refs;
    }
    if (w.empty()) finish_open(s);
  }
  if (!opened) ports_.erase(key);
}

void PortcheckServer::finish_open(Session& s) {
  Reply r;
  r.kind = ReplyKind::opened;
  r.proto = s.pending->proto;
  r.first = s.pending->first;
  r.last = s.pending->last;
  r.unavailable = s.pending->unavailable;
  std::sort(r.unavailable.begin(), r.unavailable.end());
  s.pending.reset();
  reply(s.control, format_reply(r));
}

void PortcheckServer::inbound(Session& s, const Command& cmd) {
  if (s.inbound >= config_.max_inbound)
    return reply(s.control, format_reply(error_reply("too many inbound probes for one session")));
  ++s.inbound;
  ++counters_.inbound_sent;
  const auto token = std::find_if(sessions_.begin(), sessions_.end(), [&](const auto& e) { return &e.second == &s; })->first;
  Probe p;
  p.kind = ProbeKind::inbound;
  p.token = token;
  p.client_port = cmd.first;
  // UDP: to where that client port's echo came from (its NAT mapping), if
  // it sent one; otherwise straight to the port on the session's address.
  // Never to any other address.
  SocketAddress target{s.ip, cmd.first};
  if (cmd.proto == Proto::udp) {
    if (auto m = s.mapped.find(cmd.first); m != s.mapped.end()) target = m->second;
    transmits_.push_back(Transmit{Transport::udp, SocketAddress{IpAddress{}, unsolicited_port}, target, encode_probe(p)});
  } else {
    PortcheckAction a;
    a.kind = PortcheckAction::Kind::connect_inbound;
    a.remote = target;
    a.bytes = encode_probe(p);
    actions_.push_back(std::move(a));
  }
  Reply r;
  r.kind = ReplyKind::sent;
  r.proto = cmd.proto;
  r.client_port = cmd.first;
  r.address = target;
  reply(s.control, format_reply(r));
}

void PortcheckServer::report(Session& s) {
  for (const auto& e : s.seen) {
    Reply r;
    r.kind = ReplyKind::seen;
    r.proto = e.proto;
    r.server_port = e.server_port;
    r.client_port = e.client_port;
    r.address = e.from;
    reply(s.control, format_reply(r));
  }
  for (const auto& e : s.sip) {
    Reply r;
    r.kind = ReplyKind::sip;
    r.proto = e.proto;
    r.address = e.from;
    r.message = e.message;
    reply(s.control, format_reply(r));
  }
  Reply end;
  end.kind = ReplyKind::end;
  reply(s.control, format_reply(end));
}

void PortcheckServer::end_session(const Token& t) {
  auto it = sessions_.find(t);
  if (it == sessions_.end()) return;
  for (const auto& key : it->second.ports) {
    auto p = ports_.find(key);
    if (p == ports_.end() || --p->second.refs > 0) continue;
    if (p->second.open) {
      PortcheckAction a;
      a.kind = PortcheckAction::Kind::close_port;
      a.proto = key.first;
      a.port = key.second;
      actions_.push_back(std::move(a));
    }
    ports_.erase(p);  // a pending open that lands later is closed by handle_port_result
  }
  sessions_.erase(it);
}

PortcheckServer::Session* PortcheckServer::session_for(const Token& t, const IpAddress& from, Instant now) {
  auto it = sessions_.find(t);
  if (it == sessions_.end() || it->second.ip != from || it->second.expires <= now) {
    ++counters_.dropped_unknown;
    return nullptr;
  }
  if (!probe_limiter_.allow(from, now)) {
    ++counters_.rate_limited;
    return nullptr;
  }
  return &it->second;
}

void PortcheckServer::record_seen(Session& s, Proto proto, std::uint16_t server_port, std::uint16_t client_port,
                                  const SocketAddress& from) {
  ++counters_.echoes;
  for (const auto& e : s.seen)
    if (e.proto == proto && e.server_port == server_port && e.client_port == client_port && e.from == from) return;
  if (s.seen.size() < config_.max_seen) s.seen.push_back({proto, server_port, client_port, from});
}

void PortcheckServer::handle_datagram(Instant now, const Datagram& d) {
  auto probe = parse_probe(d.bytes);
  if (!probe || probe->kind != ProbeKind::echo_request) {
    ++counters_.dropped_malformed;
    return;
  }
  Session* s = session_for(probe->token, d.remote.ip, now);
  if (!s) return;
  if (!s->ports.count({Proto::udp, d.local.port})) {
    ++counters_.dropped_unknown;  // another session's port: not for this token
    return;
  }
  record_seen(*s, Proto::udp, d.local.port, probe->client_port, d.remote);
  s->mapped[probe->client_port] = d.remote;
  Probe r;
  r.kind = ProbeKind::echo_reply;
  r.token = probe->token;
  r.client_port = probe->client_port;
  r.server_port = d.local.port;
  r.observed = d.remote;
  auto bytes = encode_probe(r);
  if (bytes.size() > d.bytes.size()) return;  // cannot happen (requests are padded); the rule, stated
  transmits_.push_back(Transmit{Transport::udp, d.local, d.remote, std::move(bytes)});
}

std::optional<Bytes> PortcheckServer::handle_stream_probe(Instant now, std::uint16_t local_port,
                                                          const SocketAddress& remote, ByteView request) {
  auto probe = parse_probe(request);
  if (!probe || probe->kind != ProbeKind::echo_request) {
    ++counters_.dropped_malformed;
    return std::nullopt;
  }
  Session* s = session_for(probe->token, remote.ip, now);
  if (!s) return std::nullopt;
  if (!s->ports.count({Proto::tcp, local_port})) {
    ++counters_.dropped_unknown;
    return std::nullopt;
  }
  record_seen(*s, Proto::tcp, local_port, probe->client_port, remote);
  Probe r;
  r.kind = ProbeKind::echo_reply;
  r.token = probe->token;
  r.client_port = probe->client_port;
  r.server_port = local_port;
  r.observed = remote;
  return encode_probe(r);
}

void PortcheckServer::handle_sip_probe(Instant now, Transport t, const SocketAddress& remote, ByteView message) {
  auto token = sip_probe_token(message);
  if (!token) {
    ++counters_.dropped_malformed;
    return;
  }
  Session* s = session_for(*token, remote.ip, now);
  if (!s) return;
  ++counters_.sip_probes;
  if (s->sip.size() < config_.max_sip_probes)
    s->sip.push_back({t == Transport::udp ? Proto::udp : Proto::tcp, remote, Bytes(message.begin(), message.end())});
}

void PortcheckServer::handle_timeout(Instant now) {
  std::vector<ControlId> late;
  for (const auto& [id, ctl] : controls_)
    if (!ctl.session && ctl.hello_deadline <= now) late.push_back(id);
  for (auto id : late) fail(id, "timed out waiting for PORTCHECK 1");
  std::vector<ControlId> expired;
  for (const auto& [t, s] : sessions_)
    if (s.expires <= now) expired.push_back(s.control);
  for (auto id : expired) {
    ++counters_.sessions_expired;
    fail(id, "session expired");
  }
}

std::optional<Transmit> PortcheckServer::poll_transmit() {
  if (transmits_.empty()) return std::nullopt;
  auto t = std::move(transmits_.front());
  transmits_.pop_front();
  return t;
}

std::optional<PortcheckAction> PortcheckServer::poll_action() {
  if (actions_.empty()) return std::nullopt;
  auto a = std::move(actions_.front());
  actions_.pop_front();
  return a;
}

std::optional<Instant> PortcheckServer::poll_timeout() const {
  std::optional<Instant> t;
  auto consider = [&](Instant i) { t = t ? std::min(*t, i) : i; };
  for (const auto& [id, ctl] : controls_)
    if (!ctl.session) consider(ctl.hello_deadline);
  for (const auto& [tok, s] : sessions_) consider(s.expires);
  return t;
}

}  // namespace confab::diag
