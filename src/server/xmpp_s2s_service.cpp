#include "server/xmpp_s2s_service.hpp"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netdb.h>
#include <resolv.h>
#include <sys/socket.h>

#include <algorithm>

#include "xmpp/srv_records.hpp"

namespace confab::server {

xmpp::S2sConfig s2s_config(const XmppConfig& x, Bytes secret) {
  xmpp::S2sConfig c;
  c.domains = x.domains;
  // The group chat service federates too: users of other servers join its
  // rooms, and its rooms talk to them from conference.<domain>.
  if (x.muc.enabled && !x.muc.domain.empty()) c.domains.push_back(x.muc.domain);
  c.secret = std::move(secret);
  c.require_tls = x.s2s.require_tls;
  c.tls_available = true;  // the XMPP flow service always has a certificate (a self-signed one at worst)
  c.limits.max_stanza_size = x.s2s.max_stanza_size;
  c.limits.max_text_size = std::min(c.limits.max_text_size, x.s2s.max_stanza_size);
  c.connect_timeout = x.s2s.connect_timeout;
  c.idle_timeout = x.s2s.idle_timeout;
  c.auth_timeout = std::max<Duration>(x.s2s.connect_timeout * 2, std::chrono::seconds(10));
  c.max_queue = x.s2s.queue_length;
  c.max_connections = x.s2s.max_connections;
  return c;
}

namespace {

// getaddrinfo for TCP; IPv6 and IPv4 in the resolver's order.
void add_addresses(const std::string& host, std::uint16_t port, std::vector<SocketAddress>& out, std::string& error) {
  if (auto literal = IpAddress::parse(host)) {
    out.push_back({*literal, port});
    return;
  }
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_family = AF_UNSPEC;
  addrinfo* list = nullptr;
  if (int rc = ::getaddrinfo(host.c_str(), nullptr, &hints, &list); rc != 0) {
    error = host + ": " + ::gai_strerror(rc);
    return;
  }
  for (addrinfo* a = list; a && out.size() < 32; a = a->ai_next) {
    char text[INET6_ADDRSTRLEN] = {};
    const void* raw = a->ai_family == AF_INET6 ? static_cast<const void*>(&reinterpret_cast<sockaddr_in6*>(a->ai_addr)->sin6_addr)
                                               : static_cast<const void*>(&reinterpret_cast<sockaddr_in*>(a->ai_addr)->sin_addr);
    if (!::inet_ntop(a->ai_family, raw, text, sizeof text)) continue;
    if (auto ip = IpAddress::parse(text)) {
      SocketAddress sa{*ip, port};
      if (std::find(out.begin(), out.end(), sa) == out.end()) out.push_back(sa);
    }
  }
  ::freeaddrinfo(list);
}

}  // namespace

ResolvedTargets resolve_xmpp_server(const std::string& domain, const std::vector<S2sHost>& hosts) {
  ResolvedTargets r;
  for (const auto& h : hosts)
    if (h.domain == domain) {
      add_addresses(h.host, h.port, r.addresses, r.error);
      return r;
    }
  // RFC 6120 §3.2.1: SRV first.
  unsigned char answer[8192];
  struct __res_state state {};
  if (res_ninit(&state) == 0) {
    state.retrans = 2;
    state.retry = 2;
    const std::string name = "_xmpp-server._tcp." + domain;
    const int n = res_nquery(&state, name.c_str(), ns_c_in, ns_t_srv, answer, sizeof answer);
    res_nclose(&state);
    if (n > 0) {
      auto records = xmpp::parse_srv_answer(ByteView(answer, static_cast<std::size_t>(n)));
      if (records && xmpp::srv_declined(*records)) {
        r.error = "its SRV record says it has no XMPP server";
        return r;
      }
      if (records && !records->empty()) {
        SystemRng rng;
        for (const auto& rec : xmpp::order_srv(std::move(*records), rng))
          add_addresses(rec.target, rec.port, r.addresses, r.error);
        if (!r.addresses.empty()) return r;
      }
    }
  }
  // §3.2.2: no SRV: the domain itself on 5269.
  add_addresses(domain, 5269, r.addresses, r.error);
  return r;
}

S2sFlowCore::S2sFlowCore(xmpp::S2sConfig config, std::vector<S2sHost> hosts, xmpp::Router& router,
                         std::function<void(Instant)> deliver, std::shared_ptr<spdlog::logger> log)
    : manager_(std::move(config), rng_),
      hosts_(std::move(hosts)),
      router_(router),
      deliver_(std::move(deliver)),
      log_(std::move(log)) {
  router_.set_remote_route(&manager_);
}

S2sFlowCore::~S2sFlowCore() { router_.set_remote_route(nullptr); }

std::uint64_t S2sFlowCore::conn_of(net::FlowId flow) const {
  auto it = conn_of_flow_.find(flow);
  return it == conn_of_flow_.end() ? flow : it->second;  // incoming connections are their flow's id
}

void S2sFlowCore::handle_flow_opened(Instant now, net::FlowId flow, Transport, const SocketAddress&,
                                     const SocketAddress& remote) {
  if (!manager_.accept(now, flow)) {
    log_->warn("xmpp: s2s connection from {} refused: too many server connections", remote.to_string());
    commands_.push_back({flow, net::FlowCommand::Kind::close});
  }
  after(now);
}

void S2sFlowCore::handle_flow_connecting(Instant, net::FlowId flow, const SocketAddress& remote) {
  auto it = connecting_.find(remote);
  if (it == connecting_.end() || it->second.empty()) return;
  const std::uint64_t conn = it->second.front();
  it->second.erase(it->second.begin());
  if (it->second.empty()) connecting_.erase(it);
  conn_of_flow_[flow] = conn;
  flow_of_conn_[conn] = flow;
}

void S2sFlowCore::handle_flow_secured(Instant now, net::FlowId flow, const net::TlsInfo&) {
  manager_.handle_secured(now, conn_of(flow));
  after(now);
}

void S2sFlowCore::handle_datagram(Instant now, const Datagram& d, net::FlowId flow) {
  manager_.handle_bytes(now, conn_of(flow), d.bytes);
  after(now);
}

void S2sFlowCore::handle_flow_closed(Instant now, net::FlowId flow) {
  const std::uint64_t conn = conn_of(flow);
  manager_.handle_closed(now, conn);
  conn_of_flow_.erase(flow);
  flow_of_conn_.erase(conn);
  after(now);
}

void S2sFlowCore::handle_timeout(Instant now) {
  for (auto it = resolving_.begin(); it != resolving_.end();) {
    if (it->second.wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
      ++it;
      continue;
    }
    ResolvedTargets t = it->second.get();
    const std::string domain = it->first;
    it = resolving_.erase(it);
    manager_.handle_resolved(now, domain, std::move(t.addresses), std::move(t.error));
  }
  manager_.handle_timeout(now);
  after(now);
}

// The router's work after the manager's: stanzas from other servers (and
// bounces) to local users, then the deliveries to their sessions.
void S2sFlowCore::after(Instant now) {
  router_.route_from_remote(now);
  deliver_(now);
}

std::optional<net::FlowTransmit> S2sFlowCore::poll_transmit() {
  // Bounces the manager made inside a router call (a full queue) reach
  // their senders here, on the flow service's next poll.
  if (manager_.has_stanzas()) after(Clock::now());
  for (;;) {
    auto action = manager_.poll_action();
    if (!action) return std::nullopt;
    if (auto* w = std::get_if<xmpp::S2sWrite>(&*action)) {
      auto f = flow_of_conn_.find(w->conn);
      const net::FlowId flow = w->conn < xmpp::S2sManager::first_outgoing_conn ? w->conn
                               : f != flow_of_conn_.end()                       ? f->second
                                                                                : net::no_flow;
      if (flow == net::no_flow) continue;  // its connect never went out: the manager times it out
      return net::FlowTransmit{Transmit{Transport::tcp, {}, {}, Bytes(w->bytes.begin(), w->bytes.end())}, flow};
    }
    if (auto* c = std::get_if<xmpp::S2sConnect>(&*action)) {
      connecting_[c->address].push_back(c->conn);
      return net::FlowTransmit{Transmit{Transport::tcp, {}, c->address, Bytes(c->bytes.begin(), c->bytes.end())},
                               net::no_flow};
    }
    if (auto* r = std::get_if<xmpp::S2sResolve>(&*action)) {
      const bool busy = std::any_of(resolving_.begin(), resolving_.end(), [&](const auto& p) { return p.first == r->domain; });
      if (!busy)
        resolving_.emplace_back(r->domain, std::async(std::launch::async, resolve_xmpp_server, r->domain, hosts_));
      continue;
    }
    const std::uint64_t conn = std::visit(
        [](const auto& a) -> std::uint64_t {
          if constexpr (requires { a.conn; }) return a.conn;
          else return 0;
        },
        *action);
    auto f = flow_of_conn_.find(conn);
    const net::FlowId flow = conn < xmpp::S2sManager::first_outgoing_conn ? conn
                             : f != flow_of_conn_.end()                     ? f->second
                                                                            : net::no_flow;
    if (auto* t = std::get_if<xmpp::S2sTls>(&*action)) {
      if (flow != net::no_flow)
        commands_.push_back({flow, t->client ? net::FlowCommand::Kind::start_tls_client : net::FlowCommand::Kind::start_tls});
    } else if (std::holds_alternative<xmpp::S2sDisconnect>(*action)) {
      if (flow != net::no_flow) commands_.push_back({flow, net::FlowCommand::Kind::close});
    } else if (auto* l = std::get_if<xmpp::S2sLog>(&*action)) {
      if (l->warning) log_->warn("xmpp: {}", l->line);
      else log_->info("xmpp: {}", l->line);
    }
  }
}

std::optional<net::FlowCommand> S2sFlowCore::poll_command() {
  if (commands_.empty()) return std::nullopt;
  auto c = commands_.front();
  commands_.pop_front();
  return c;
}

std::optional<Instant> S2sFlowCore::poll_timeout() const {
  auto t = manager_.poll_timeout();
  if (!resolving_.empty()) {
    const Instant soon = Clock::now() + std::chrono::milliseconds(20);  // polls the resolver threads
    t = t ? std::min(*t, soon) : soon;
  }
  return t;
}

void S2sFlowCore::shutdown(Instant now) {
  manager_.shutdown(now);
  after(now);
}

nlohmann::json S2sFlowCore::status() const {
  const xmpp::S2sCounters t = manager_.counters();
  return {{"connections", manager_.connections()},
          {"outgoing", manager_.outgoing_domains()},
          {"incoming", manager_.incoming_domains()},
          {"incoming_streams", t.incoming_streams},
          {"outgoing_streams", t.outgoing_streams},
          {"tls", t.tls},
          {"dialback_sent", t.dialback_sent},
          {"dialback_valid", t.dialback_valid},
          {"dialback_invalid", t.dialback_invalid},
          {"verify_requests", t.verify_requests},
          {"verify_failed", t.verify_failed},
          {"domains_authenticated", t.domains_authenticated},
          {"domains_refused", t.domains_refused},
          {"stanzas_in", t.stanzas_in},
          {"stanzas_out", t.stanzas_out},
          {"bounced", t.bounced},
          {"queue_full", t.queue_full},
          {"connect_failures", t.connect_failures},
          {"timeouts", t.timeouts},
          {"stream_errors", t.stream_errors},
          {"xml_errors", t.xml_errors},
          {"invalid_from", t.invalid_from},
          {"refused_connections", t.refused_connections}};
}

}  // namespace confab::server
