#include "server/xmpp_component_service.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace confab::server {

xmpp::ComponentConfig component_config(const XmppConfig& x) {
  xmpp::ComponentConfig cc;
  for (const auto& c : x.components.list) cc.components.push_back({c.domain, c.secret});
  cc.limits.max_stanza_size = x.limits.max_stanza_size;
  cc.handshake_timeout = x.limits.auth_timeout;
  cc.stanzas_per_second = x.components.stanzas_per_second;
  cc.stanza_burst = x.components.stanza_burst;
  return cc;
}

namespace {

sasl::AuthLimiterConfig handshake_limits(std::uint32_t failed_handshakes) {
  sasl::AuthLimiterConfig c;
  // Per address only (the session never names a domain to the limiter):
  // after `failed_handshakes` wrong secrets within 10 minutes, a minute's
  // lockout, doubling for persistent guessing up to an hour.
  c.per_source = {failed_handshakes, std::chrono::minutes(10), std::chrono::minutes(1), std::chrono::hours(1)};
  c.per_account.max_failures = 0;
  c.max_entries = 4096;
  return c;
}

}  // namespace

ComponentFlowCore::ComponentFlowCore(xmpp::ComponentConfig config, std::uint32_t failed_handshakes,
                                     xmpp::Router& router, std::function<void(Instant)> deliver,
                                     std::shared_ptr<spdlog::logger> log)
    : config_(std::move(config)),
      limiter_(handshake_limits(failed_handshakes)),
      router_(router),
      deliver_(std::move(deliver)),
      log_(std::move(log)) {}

// The router outlives this core (SharedFlowCore destroys it first) but
// must not keep pointers to links that are gone.
ComponentFlowCore::~ComponentFlowCore() {
  for (auto& [flow, c] : conns_)
    if (c.link) router_.remove_component(*c.link);
}

void ComponentFlowCore::handle_flow_opened(Instant now, net::FlowId flow, Transport, const SocketAddress& local,
                                           const SocketAddress& remote) {
  Conn& c = conns_[flow];
  c.local = local;
  c.remote = remote;
  xmpp::ComponentBinder& binder = *this;  // a private base: converted here, where it is accessible
  c.session = std::make_unique<xmpp::ComponentSession>(config_, xmpp::ComponentConnection{flow, remote.ip}, binder,
                                                       rng_, &limiter_, now);
  if (auto t = c.session->poll_timeout()) deadlines_.emplace(*t, flow);
  service(now, flow);
}

void ComponentFlowCore::handle_datagram(Instant now, const Datagram& d, net::FlowId flow) {
  auto it = conns_.find(flow);
  if (it == conns_.end() || !it->second.session) return;
  it->second.session->handle_bytes(now, d.bytes);
  service(now, flow);
}

void ComponentFlowCore::handle_flow_closed(Instant now, net::FlowId flow) {
  auto it = conns_.find(flow);
  if (it == conns_.end()) return;
  Conn& c = it->second;
  if (c.session) {
    c.session->handle_eof(now);
    totals_ += c.session->counters();
  }
  unlink(now, c);
  conns_.erase(it);
}

void ComponentFlowCore::handle_timeout(Instant now) {
  while (!deadlines_.empty() && deadlines_.top().first <= now) {
    const net::FlowId flow = deadlines_.top().second;
    deadlines_.pop();
    auto it = conns_.find(flow);
    if (it == conns_.end() || !it->second.session) continue;
    if (auto t = it->second.session->poll_timeout(); t && *t <= now) {
      it->second.session->handle_timeout(now);
      service(now, flow);
    }
  }
}

std::optional<net::FlowTransmit> ComponentFlowCore::poll_transmit() {
  // The router queues stanzas for components while the c2s core runs: they
  // are written out here, on the flow service's next poll.
  if (out_.empty())
    for (auto& [flow, c] : conns_)
      if (c.link) flush(flow, c);
  if (out_.empty()) return std::nullopt;
  auto t = std::move(out_.front());
  out_.pop_front();
  return t;
}

std::optional<net::FlowCommand> ComponentFlowCore::poll_command() {
  if (commands_.empty()) return std::nullopt;
  auto c = commands_.front();
  commands_.pop_front();
  return c;
}

std::optional<Instant> ComponentFlowCore::poll_timeout() const {
  if (deadlines_.empty()) return std::nullopt;
  return deadlines_.top().first;
}

bool ComponentFlowCore::claim_component(std::uint64_t session, const std::string& domain) {
  if (by_domain_.count(domain)) return false;
  auto it = conns_.find(session);
  if (it == conns_.end()) return false;
  auto link = std::make_unique<xmpp::ComponentLink>(domain);
  if (!router_.add_component(*link)) return false;  // config validation keeps the router's domains apart
  it->second.link = std::move(link);
  by_domain_[domain] = session;
  return true;
}

// Moves what a session produced: its stanzas through the router (and the
// router's deliveries to the c2s sessions), its output to the wire, its
// end to the router.
void ComponentFlowCore::service(Instant now, net::FlowId flow) {
  auto it = conns_.find(flow);
  if (it == conns_.end() || !it->second.session) return;
  Conn& c = it->second;
  xmpp::ComponentSession& s = *c.session;
  bool routed = false;
  while (auto st = s.poll_inbound()) {
    if (!c.link) continue;  // cannot happen: stanzas come only after the claim
    c.link->from_component(std::move(*st));
    routed = true;
  }
  while (auto e = s.poll_event()) log_event(c, *e);
  if (routed) {
    router_.route_from_components(now);
    deliver_(now);
  }
  flush(flow, c);
  if (s.wants_close()) unlink(now, c);
}

void ComponentFlowCore::flush(net::FlowId flow, Conn& c) {
  xmpp::ComponentSession& s = *c.session;
  if (c.link)
    while (auto st = c.link->poll_outbound()) s.send(*st);
  while (auto bytes = s.poll_output()) {
    Transmit t{Transport::tcp, c.local, c.remote, Bytes(bytes->begin(), bytes->end())};
    out_.push_back({std::move(t), flow});
  }
  if (s.wants_close() && !c.close_requested) {
    c.close_requested = true;
    commands_.push_back({flow, net::FlowCommand::Kind::close});
  }
}

// The component's stream is over: requests it never answered bounce
// (service-unavailable), then its domain leaves the router.
void ComponentFlowCore::unlink(Instant now, Conn& c) {
  if (!c.link) return;
  c.link->disconnected();
  router_.route_from_components(now);
  router_.remove_component(*c.link);
  deliver_(now);
  bounced_ += c.link->bounced();
  log_->info("xmpp: component {} disconnected ({}){}", c.link->domain(), c.remote.to_string(),
             c.link->bounced() ? fmt::format("; {} unanswered requests bounced", c.link->bounced()) : std::string());
  by_domain_.erase(c.link->domain());
  c.link.reset();
}

void ComponentFlowCore::shutdown(Instant now) {
  for (auto& [flow, c] : conns_) {
    if (!c.session) continue;
    flush(flow, c);  // what the router queued for it first (users' unavailable presence)
    c.session->close(xmpp::StreamErrorCondition::system_shutdown, "The server is shutting down");
    flush(flow, c);
    unlink(now, c);
  }
}

void ComponentFlowCore::log_event(const Conn& c, const xmpp::ComponentEvent& e) {
  if (auto* ok = std::get_if<xmpp::ComponentConnected>(&e)) {
    log_->info("xmpp: component {} connected from {}", ok->domain, c.remote.to_string());
  } else if (auto* f = std::get_if<xmpp::ComponentHandshakeFailed>(&e)) {
    log_->warn("xmpp: component handshake for {} from {} refused: {}", f->domain, c.remote.to_string(), f->reason);
  } else if (auto* s = std::get_if<xmpp::ComponentStreamErrorSent>(&e)) {
    log_->info("xmpp: stream error to component {}: {} {}", c.remote.to_string(), xmpp::to_string(s->condition),
               s->detail);
  }
}

nlohmann::json ComponentFlowCore::status() const {
  xmpp::ComponentCounters t = totals_;
  std::vector<std::string> connected;
  for (const auto& [flow, c] : conns_) {
    if (c.session) t += c.session->counters();
    if (c.link) connected.push_back(c.link->domain());
  }
  std::sort(connected.begin(), connected.end());
  return {{"connections", conns_.size()},
          {"connected", connected},
          {"streams", t.streams},
          {"handshakes", t.handshakes},
          {"handshake_failures", t.handshake_failures},
          {"locked_out", t.locked_out},
          {"conflicts", t.conflicts},
          {"stanzas_in", t.stanzas_in},
          {"stanzas_out", t.stanzas_out},
          {"dropped_out", t.dropped_out},
          {"rate_limited", t.rate_limited},
          {"stanza_errors", t.stanza_errors},
          {"stream_errors", t.stream_errors},
          {"xml_errors", t.xml_errors},
          {"timeouts", t.timeouts},
          {"bounced", bounced_}};
}

void SharedFlowCore::handle_flow_opened(Instant now, net::FlowId flow, Transport transport,
                                        const SocketAddress& local, const SocketAddress& remote) {
  if (transport == Transport::tcp && local.port == second_port_) second_flows_.insert(flow);
  core_of(flow).handle_flow_opened(now, flow, transport, local, remote);
}

void SharedFlowCore::handle_flow_connecting(Instant now, net::FlowId flow, const SocketAddress& remote) {
  if (auto it = second_connects_.find(remote); it != second_connects_.end()) {
    second_connects_.erase(it);
    second_flows_.insert(flow);
    return second_->handle_flow_connecting(now, flow, remote);
  }
  main_->handle_flow_connecting(now, flow, remote);
}

void SharedFlowCore::handle_flow_secured(Instant now, net::FlowId flow, const net::TlsInfo& info) {
  core_of(flow).handle_flow_secured(now, flow, info);
}

void SharedFlowCore::handle_datagram(Instant now, const Datagram& d, net::FlowId flow) {
  core_of(flow).handle_datagram(now, d, flow);
}

void SharedFlowCore::handle_flow_closed(Instant now, net::FlowId flow) {
  core_of(flow).handle_flow_closed(now, flow);
  second_flows_.erase(flow);
}

void SharedFlowCore::handle_timeout(Instant now) {
  main_->handle_timeout(now);
  second_->handle_timeout(now);
}

std::optional<net::FlowTransmit> SharedFlowCore::poll_transmit() {
  if (auto t = main_->poll_transmit()) return t;
  auto t = second_->poll_transmit();
  if (t && t->flow == net::no_flow && t->transmit.transport == Transport::tcp)
    second_connects_.insert(t->transmit.remote);  // handle_flow_connecting follows if it opens a connection
  return t;
}

std::optional<net::FlowCommand> SharedFlowCore::poll_command() {
  if (auto c = main_->poll_command()) return c;
  return second_->poll_command();
}

std::optional<Instant> SharedFlowCore::poll_timeout() const {
  auto a = main_->poll_timeout();
  auto b = second_->poll_timeout();
  if (!a) return b;
  if (!b) return a;
  return std::min(*a, *b);
}

void SharedFlowCore::handle_round_end(Instant now) {
  main_->handle_round_end(now);
  second_->handle_round_end(now);
}

}  // namespace confab::server
