#include "server/xmpp_service.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <nlohmann/json.hpp>
#include <queue>
#include <unordered_map>

#include "net/flow_service.hpp"
#include "net/self_signed.hpp"
#include "sasl/auth_limiter.hpp"
#include "server/secret_file.hpp"
#include "server/xmpp_component_service.hpp"
#include "server/xmpp_s2s_service.hpp"
#include "store/sqlite_xmpp_store.hpp"
#include "xmpp/c2s_session.hpp"
#include "xmpp/external_services.hpp"
#include "xmpp/muc_service.hpp"
#include "xmpp/router.hpp"
#include "xmpp/vcard.hpp"
#include "xmpp/caps.hpp"
#include "xmpp/mam.hpp"
#include "xmpp/pep.hpp"

namespace confab::server {

namespace {

const char* condition_name(const xmpp::C2sEvent& e) {
  if (std::holds_alternative<xmpp::AuthSucceeded>(e)) return "auth_succeeded";
  if (std::holds_alternative<xmpp::AuthFailed>(e)) return "auth_failed";
  if (std::holds_alternative<xmpp::ResourceBound>(e)) return "bound";
  return "stream_error";
}

}  // namespace

// Everything on the flow service's thread: the sessions, the router, the
// XMPP tables. The SQLite stores serialise their own access.
class XmppFlowCore final : public net::FlowCore {
 public:
  XmppFlowCore(xmpp::C2sConfig c2s, xmpp::RouterConfig router_config, std::unique_ptr<store::SqliteXmppStore> xmpp_store,
               store::AccountStore& accounts, std::vector<xmpp::ExternalService> external,
               std::optional<xmpp::MucConfig> muc, std::shared_ptr<spdlog::logger> log,
               std::vector<xmpp::Component*> components = {}, xmpp::MamConfig mam = {})
      : c2s_(std::move(c2s)),
        xmpp_store_(std::move(xmpp_store)),
        router_(std::move(router_config), *xmpp_store_, rng_),
        limiter_(sasl::AuthLimiterConfig{}),
        log_(std::move(log)) {
    if (!external.empty()) xmpp::register_external_services(router_, std::move(external));
    const auto wall_clock = [](Instant) { return std::chrono::system_clock::now(); };
    mam.wall_clock = wall_clock;
    if (mam.max_archived_messages > 0) xmpp::register_mam(router_, *xmpp_store_, rng_, std::move(mam));  // XEP-0313
    xmpp::PepConfig pep;
    pep.wall_clock = wall_clock;
    // XEP-0163, XEP-0115; vCards (XEP-0054) tell it of PHOTOs (XEP-0398).
    xmpp::register_vcards(router_, *xmpp_store_, 128 * 1024,
                          xmpp::register_pep(router_, *xmpp_store_, rng_, std::move(pep)));
    if (muc) {
      // Persistent rooms live in the same SQLite file, on the same connection,
      // so their writes join the batch of the read that made them.
      muc_ = std::make_unique<xmpp::MucService>(
          std::move(*muc), [](Instant) { return std::chrono::system_clock::now(); }, xmpp_store_.get(), &rng_);
      if (auto n = muc_->restore(); !n)
        log_->error("xmpp: cannot load the persistent rooms of {}: {}", muc_->domain(), n.error().message);
      else if (*n > 0)
        log_->info("xmpp: {} persistent room{} on {}", *n, *n == 1 ? "" : "s", muc_->domain());
      if (!router_.add_component(*muc_)) log_->error("xmpp: the group chat domain {} was refused", muc_->domain());
    }
    for (xmpp::Component* c : components)
      if (!router_.add_component(*c)) log_->error("xmpp: the service domain {} was refused", c->domain());
    // XEP-0115 §6.3: the server's caps in its stream features, hashed from
    // its disco#info once everything above has registered its features.
    c2s_.extra_features.push_back(xmpp::caps_for(router_.server_info(), "urn:x-confab:caps"));
    lookup_ = [&accounts](std::string_view domain, std::string_view user,
                          sasl::ScramMechanism mech) -> Result<std::optional<sasl::ScramCredentials>, std::string> {
      auto r = accounts.scram(store::AccountName{std::string(user), std::string(domain)}, mech);
      if (!r) return unexpected(r.error().message);
      return *r;
    };
  }

  // A batch still open (the flow thread stopped before its round ended)
  // is committed, not rolled back with the connection.
  ~XmppFlowCore() override { end_batch(); }

  void handle_flow_opened(Instant now, net::FlowId flow, Transport transport, const SocketAddress& local,
                          const SocketAddress& remote) override {
    conns_[flow] = Conn{transport, local, remote, nullptr};
    // Direct TLS: the session starts once the handshake is done.
    if (transport == Transport::tcp) start_session(now, flow, false, {});
  }

  void handle_flow_secured(Instant now, net::FlowId flow, const net::TlsInfo& info) override {
    auto it = conns_.find(flow);
    if (it == conns_.end()) return;
    std::vector<sasl::ChannelBinding> bindings;
    if (!info.exporter.empty()) bindings.push_back({std::string(sasl::tls_exporter), info.exporter});
    if (!info.server_end_point.empty())
      bindings.push_back({std::string(sasl::tls_server_end_point), info.server_end_point});
    if (it->second.session) {
      it->second.session->tls_established(now, std::move(bindings));  // after STARTTLS
      service(now, flow);
    } else {
      start_session(now, flow, true, std::move(bindings));
    }
  }

  void handle_datagram(Instant now, const Datagram& d, net::FlowId flow) override {
    auto it = conns_.find(flow);
    if (it == conns_.end() || !it->second.session) return;
    // One commit for everything the reads of this round make the router
    // store (two archived copies per chat message, offline messages...),
    // made before any output goes: until then holding() keeps it back (the
    // flow service calls handle_round_end). A commit per read, let alone per
    // write, was most of the CPU per message. A read that stored nothing
    // ends the batch at once, so logins and pings are not held.
    if (!batch_open_) batch_open_ = static_cast<bool>(xmpp_store_->begin_batch());
    it->second.session->handle_bytes(now, d.bytes);
    service(now, flow);
    if (batch_open_ && !xmpp_store_->batch_wrote()) end_batch();
  }

  // XEP-0114 (xmpp_component_service.hpp): the component listener shares
  // this thread and drives the same router.
  xmpp::Router& router() { return router_; }
  void deliver_routed(Instant now) { route(now); }

  bool holding() const override { return batch_open_; }
  void handle_round_end(Instant) override { end_batch(); }

  void handle_flow_closed(Instant now, net::FlowId flow) override {
    auto it = conns_.find(flow);
    if (it == conns_.end()) return;
    if (auto& session = it->second.session) {
      const std::uint64_t id = session->id();
      flow_of_.erase(id);
      if (session->resumable()) {
        // XEP-0198: the session lives on without a connection for a while;
        // the router still delivers to it, and it queues for the resume.
        session->detach();
        detached_by_sm_[session->sm_id()] = id;
        expiries_.emplace(now + c2s_.sm_resume_timeout, id);
        detached_[id] = std::move(session);
      } else {
        session->handle_eof(now);
        end_session(now, *session);
        totals_ += session->counters();
      }
    }
    conns_.erase(it);
    route(now);
  }

  void handle_timeout(Instant now) override {
    while (!expiries_.empty() && expiries_.top().first <= now) {
      const std::uint64_t id = expiries_.top().second;
      expiries_.pop();
      auto d = detached_.find(id);
      if (d == detached_.end()) continue;  // resumed meanwhile
      // Never resumed: the session ends now (unavailable presence goes out,
      // what it never had acknowledged goes offline: XEP-0198 §5).
      detached_by_sm_.erase(d->second->sm_id());
      totals_ += d->second->counters();
      auto session = std::move(d->second);
      detached_.erase(d);
      end_session(now, *session);
    }
    route(now);
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

  std::optional<net::FlowTransmit> poll_transmit() override {
    if (batch_open_ || out_.empty()) return std::nullopt;
    auto t = std::move(out_.front());
    out_.pop_front();
    return t;
  }
  std::optional<net::FlowCommand> poll_command() override {
    if (batch_open_ || commands_.empty()) return std::nullopt;
    auto c = commands_.front();
    commands_.pop_front();
    return c;
  }
  std::optional<Instant> poll_timeout() const override {
    std::optional<Instant> t;
    if (!deadlines_.empty()) t = deadlines_.top().first;
    if (!expiries_.empty() && (!t || expiries_.top().first < *t)) t = expiries_.top().first;
    return t;
  }

  nlohmann::json status() const {
    xmpp::C2sCounters c = totals_;
    std::size_t established = 0;
    for (const auto& [flow, conn] : conns_)
      if (conn.session) {
        c += conn.session->counters();
        if (conn.session->is_established()) ++established;
      }
    const auto r = router_.counters();
    for (const auto& [id, session] : detached_) c += session->counters();
    return {{"connections", conns_.size()},
            {"sessions", established},
            {"detached_sessions", detached_.size()},
            {"streams",
             {{"opened", c.streams}, {"tls", c.tls}, {"auth_successes", c.auth_successes},
              {"auth_failures", c.auth_failures}, {"binds", c.binds}, {"stream_errors", c.stream_errors},
              {"xml_errors", c.xml_errors}, {"timeouts", c.timeouts}, {"tls_injections", c.tls_injections},
              {"stanzas_in", c.stanzas_in}, {"stanzas_out", c.stanzas_out}, {"sm_enabled", c.sm_enabled},
              {"sm_resumed", c.sm_resumed}, {"sm_resent", c.sm_resend}}},
            {"router",
             {{"stanzas_in", r.stanzas_in}, {"deliveries", r.deliveries}, {"messages_routed", r.messages_routed},
              {"messages_stored", r.messages_stored}, {"offline_delivered", r.offline_delivered},
              {"messages_dropped", r.messages_dropped}, {"errors_sent", r.errors_sent}, {"blocked", r.blocked},
              {"carbons", r.carbons}, {"roster_pushes", r.roster_pushes}, {"store_errors", r.store_errors},
              {"conflicts", r.conflicts}, {"unacked_rerouted", r.unacked_rerouted},
              {"unacked_bounced", r.unacked_bounced}, {"unacked_dropped", r.unacked_dropped}}}};
  }

 private:
  struct Conn {
    Transport transport;
    SocketAddress local, remote;
    std::unique_ptr<xmpp::C2sSession> session;
    bool tls_requested = false;
    bool close_requested = false;
  };

  void start_session(Instant now, net::FlowId flow, bool tls, std::vector<sasl::ChannelBinding> bindings) {
    Conn& c = conns_[flow];
    c.session = std::make_unique<xmpp::C2sSession>(
        c2s_, xmpp::C2sConnection{flow, c.remote.ip, tls, std::move(bindings)}, lookup_, router_, rng_, &limiter_, now);
    flow_of_[flow] = flow;  // the router knows a session by its first flow's id
    if (auto t = c.session->poll_timeout()) deadlines_.emplace(*t, flow);
    service(now, flow);
  }

  // Moves what a session produced: its output to the wire, its stanzas to
  // the router (and the router's deliveries back to sessions), its wishes
  // (TLS, close) to the flow service, its events to the log.
  void service(Instant now, net::FlowId flow) {
    auto it = conns_.find(flow);
    if (it == conns_.end() || !it->second.session) return;
    Conn& c = it->second;
    xmpp::C2sSession& s = *c.session;
    while (auto st = s.poll_inbound()) router_.handle_stanza(now, flow, *st);
    while (auto e = s.poll_event()) {
      if (auto* r = std::get_if<xmpp::ResumeRequested>(&*e)) resume(flow, c, *r);
      log_event(c, *e);
    }
    flush(flow, c);
    route(now);
  }

  // XEP-0198 §5: the new connection takes the detached session over.
  void resume(net::FlowId flow, Conn& c, const xmpp::ResumeRequested& r) {
    auto sm = detached_by_sm_.find(r.previd);
    if (sm == detached_by_sm_.end()) return c.session->resume_failed();  // expired, or never ours
    auto d = detached_.find(sm->second);
    if (d == detached_.end()) return c.session->resume_failed();
    const std::uint64_t fresh_id = c.session->id();
    c.session->resume_from(*d->second, r.h);  // checks that it is the same account
    if (!c.session->is_established()) return;
    flow_of_.erase(fresh_id);
    flow_of_[c.session->id()] = flow;
    totals_ += d->second->counters();
    detached_by_sm_.erase(sm);
    detached_.erase(d);
  }

  void flush(net::FlowId flow, Conn& c) {
    xmpp::C2sSession& s = *c.session;
    while (auto bytes = s.poll_output()) {
      Transmit t{c.transport, c.local, c.remote, Bytes(bytes->begin(), bytes->end())};
      out_.push_back({std::move(t), flow});
    }
    if (s.wants_tls() && !c.tls_requested) {
      c.tls_requested = true;
      commands_.push_back({flow, net::FlowCommand::Kind::start_tls});
    }
    if (s.wants_close() && !c.close_requested) {
      c.close_requested = true;
      commands_.push_back({flow, net::FlowCommand::Kind::close});
    }
  }

  void route(Instant now) {
    while (auto d = router_.poll_delivery()) {
      if (auto f = flow_of_.find(d->session); f != flow_of_.end()) {
        auto it = conns_.find(f->second);
        if (it == conns_.end() || !it->second.session) continue;
        if (d->close)
          it->second.session->close_with_error(d->stanza);
        else
          it->second.session->send(d->stanza, now);
        flush(f->second, it->second);
      } else if (auto dt = detached_.find(d->session); dt != detached_.end()) {
        if (d->close) {  // replaced by a new bind: the router has forgotten it
          detached_by_sm_.erase(dt->second->sm_id());
          totals_ += dt->second->counters();
          auto session = std::move(dt->second);
          detached_.erase(dt);
          end_session(now, *session);  // its unacknowledged stanzas: to the new session, or offline
        } else {
          dt->second->send(d->stanza, now);  // queued for the resume
        }
      }
    }
  }

  // A session is over for good: the router forgets it (a second call, after
  // a conflict, is harmless), then gets back what its client never
  // acknowledged (XEP-0198 §5), once nothing can deliver to it any more.
  void end_session(Instant now, xmpp::C2sSession& session) {
    auto unacked = session.take_unacked();
    if (!session.bound_jid()) return;
    router_.session_closed(now, session.id());
    if (!unacked.empty()) router_.unacked_stanzas(now, *session.bound_jid(), std::move(unacked));
  }

 public:
  // confabd is stopping: every session ends now, connected or waiting for a
  // resume. All of them leave the router first, so that what was not
  // acknowledged goes to offline storage rather than to another resource
  // about to go too.
  void shutdown(Instant now) {
    end_batch();
    std::vector<std::pair<xmpp::Jid, std::vector<xmpp::UnackedStanza>>> unacked;
    auto end = [&](xmpp::C2sSession& s) {
      auto u = s.take_unacked();
      if (!s.bound_jid()) return;
      router_.session_closed(now, s.id());
      if (!u.empty()) unacked.emplace_back(*s.bound_jid(), std::move(u));
    };
    for (auto& [flow, c] : conns_) {
      if (!c.session) continue;
      c.session->close(xmpp::StreamErrorCondition::system_shutdown, "The server is shutting down");
      flush(flow, c);
      end(*c.session);
    }
    for (auto& [id, s] : detached_) {
      end(*s);
      totals_ += s->counters();
    }
    detached_.clear();
    detached_by_sm_.clear();
    for (auto& [owner, stanzas] : unacked) router_.unacked_stanzas(now, owner, std::move(stanzas));
    route(now);
  }

 private:
  void end_batch() {
    if (!batch_open_) return;
    batch_open_ = false;
    if (auto r = xmpp_store_->end_batch(); !r) log_->error("xmpp: {}", r.error().message);
  }

  void log_event(const Conn& c, const xmpp::C2sEvent& e) {
    if (auto* f = std::get_if<xmpp::AuthFailed>(&e)) {
      log_->warn("xmpp: authentication failed from {}: {}", c.remote.to_string(), f->failure.message());
    } else if (auto* b = std::get_if<xmpp::ResourceBound>(&e)) {
      log_->debug("xmpp: {} bound from {}", b->jid.str(), c.remote.to_string());
    } else if (auto* s = std::get_if<xmpp::StreamErrorSent>(&e)) {
      log_->info("xmpp: stream error to {}: {} {}", c.remote.to_string(), xmpp::to_string(s->condition), s->detail);
    } else {
      log_->debug("xmpp: {} from {}", condition_name(e), c.remote.to_string());
    }
  }

  SystemRng rng_;
  xmpp::C2sConfig c2s_;
  std::unique_ptr<store::SqliteXmppStore> xmpp_store_;
  std::unique_ptr<xmpp::MucService> muc_;  // before the router, which refers to it: destroyed after it
  xmpp::Router router_;
  sasl::AuthLimiter limiter_;
  xmpp::AccountLookup lookup_;
  std::shared_ptr<spdlog::logger> log_;
  std::unordered_map<net::FlowId, Conn> conns_;
  // The router names a session by the id of the flow it began on; after a
  // resume it lives on another flow.
  std::unordered_map<std::uint64_t, net::FlowId> flow_of_;
  // XEP-0198: sessions whose connection dropped, kept for a resume
  // (c2s_.sm_resume_timeout).
  std::unordered_map<std::uint64_t, std::unique_ptr<xmpp::C2sSession>> detached_;
  std::unordered_map<std::string, std::uint64_t> detached_by_sm_;
  std::priority_queue<std::pair<Instant, std::uint64_t>, std::vector<std::pair<Instant, std::uint64_t>>, std::greater<>>
      expiries_;
  using Deadline = std::pair<Instant, net::FlowId>;
  std::priority_queue<Deadline, std::vector<Deadline>, std::greater<>> deadlines_;
  std::deque<net::FlowTransmit> out_;
  std::deque<net::FlowCommand> commands_;
  xmpp::C2sCounters totals_;  // of sessions already gone
  bool batch_open_ = false;   // the store's batch for this round of reads (see handle_datagram)
};

struct XmppService::State {
  XmppFlowCore* core = nullptr;  // owned by the flow service
  ComponentFlowCore* components = nullptr;  // likewise, when xmpp.components is enabled
  S2sFlowCore* s2s = nullptr;               // likewise, when xmpp.s2s is enabled
};

Result<std::unique_ptr<XmppService>, std::string> XmppService::start(const Config& config,
                                                                     store::AccountStore& accounts,
                                                                     std::shared_ptr<spdlog::logger> log,
                                                                     std::vector<xmpp::Component*> components) {
  const auto& x = config.xmpp;
  std::unique_ptr<XmppService> s(new XmppService);
  s->state_ = std::make_unique<State>();

  SystemRng rng;
  auto secret = load_or_create_secret(config.server.data_dir / "xmpp-sasl.key", 32, rng);
  if (!secret) return unexpected("xmpp: " + secret.error());

  xmpp::C2sConfig c2s;
  for (const auto& domain : x.domains) {
    sasl::ServerConfig host;
    host.secret = *secret;
    host.domain = domain;
    host.unknown_user_iterations_sha1 = config.store.scram_sha1_iterations;
    host.unknown_user_iterations_sha256 = config.store.scram_sha256_iterations;
    c2s.hosts.push_back(std::move(host));
  }
  c2s.offer_starttls = true;
  c2s.require_tls = x.require_tls;
  c2s.limits.max_stanza_size = x.limits.max_stanza_size;
  c2s.negotiation_timeout = x.limits.auth_timeout;
  c2s.sm_resume_timeout = x.limits.resume_timeout;
  c2s.extra_features.emplace_back("csi", "urn:xmpp:csi:0");
  // What the router implements and RFC 6121 says to advertise as stream features.
  c2s.extra_features.emplace_back("ver", "urn:xmpp:features:rosterver");
  c2s.extra_features.emplace_back("sub", "urn:xmpp:features:pre-approval");
  c2s.routed_namespaces = {"urn:xmpp:csi:0"};
  if (auto ok = xmpp::validate(c2s); !ok) return unexpected("xmpp: " + ok.error());

  xmpp::RouterConfig rc;
  rc.domains = x.domains;
  rc.server_version = "0.1.0";
  rc.wall_clock = [](Instant) { return std::chrono::system_clock::now(); };  // XEP-0203 stamps of unacked stanzas

  auto xmpp_store = store::SqliteXmppStore::open(
      {.path = config.store.path, .create = true, .busy_timeout = config.store.busy_timeout},
      store::SqliteXmppOptions{.offline = {.max_messages = x.limits.offline_messages}, .clock = {}});
  if (!xmpp_store) return unexpected("xmpp: store: " + xmpp_store.error().message);

  net::FlowServiceConfig fc;
  fc.name = "xmpp";
  if (x.port != 0) fc.tcp = {{x.address, x.port}};
  if (x.tls_port != 0) fc.tls = {{x.address, x.tls_port}};
  fc.starttls = true;
  if (!x.tls_certificate.empty()) {
    fc.tls_files = net::TlsFiles{x.tls_certificate, x.tls_private_key};
  } else {
    auto made = net::ensure_self_signed(config.server.data_dir / "tls", x.domains.front());
    if (!made) return unexpected("xmpp: " + made.error());
    fc.tls_files = *made;
    log->warn("xmpp: TLS uses a self-signed certificate ({}); set xmpp.tls_certificate for a real one",
              made->certificate.string());
  }
  fc.max_message_size = x.limits.max_stanza_size + 16384;  // one read's worth; the XML layer enforces stanza limits
  fc.max_connections = x.limits.connections;
  fc.idle_timeout = x.limits.idle_timeout;
  // No framer: the XML stream parser takes the bytes as they come.

  // XEP-0215: our own reflector, for clients' calls (TURN joins it later).
  std::vector<xmpp::ExternalService> external;
  if (config.snatmap.enabled) {
    std::string host = !x.external_services_host.empty() ? x.external_services_host
                       : !config.snatmap.address.is_unspecified() ? config.snatmap.address.to_string()
                                                                  : x.domains.front();
    for (std::uint16_t port : config.snatmap.ports) {
      if (config.snatmap.udp) external.push_back({"stun", host, port, "udp", false});
      if (config.snatmap.tcp) external.push_back({"stun", host, port, "tcp", false});
    }
  }
  std::optional<xmpp::MucConfig> muc;
  if (x.muc.enabled) {
    xmpp::MucConfig mc;
    mc.domain = x.muc.domain;
    mc.max_rooms = x.muc.max_rooms;
    mc.max_users = x.muc.max_users;
    mc.max_archived_messages = x.muc.archive_messages;
    if (auto bad = xmpp::validate(mc)) return unexpected("xmpp: xmpp.muc: " + *bad);
    muc = std::move(mc);
  }
  auto core = std::make_unique<XmppFlowCore>(std::move(c2s), std::move(rc), std::move(*xmpp_store), accounts,
                                             std::move(external), std::move(muc), log, std::move(components),
                                             [&] {
                                               xmpp::MamConfig mam;
                                               mam.max_archived_messages = x.limits.archive_messages;
                                               return mam;
                                             }());
  s->state_->core = core.get();
  std::unique_ptr<net::FlowCore> flow_core = std::move(core);
  if (x.components.enabled) {
    // XEP-0114: one more listener on this flow service (its thread is the router's).
    xmpp::ComponentConfig cc = component_config(x);
    if (auto ok = xmpp::validate(cc); !ok) return unexpected("xmpp: xmpp.components: " + ok.error());
    XmppFlowCore* c2s_core = s->state_->core;
    auto component_core = std::make_unique<ComponentFlowCore>(
        std::move(cc), x.components.failed_handshakes, c2s_core->router(),
        [c2s_core](Instant now) { c2s_core->deliver_routed(now); }, log);
    s->state_->components = component_core.get();
    fc.tcp.push_back({x.components.address, x.components.port});
    flow_core = std::make_unique<SharedFlowCore>(std::move(flow_core), std::move(component_core), x.components.port);
    if (!x.components.address.is_loopback())
      log->warn("xmpp: the component port {} is not on loopback: XEP-0114 has no TLS, its stanzas cross the "
                "network in the clear", x.components.port);
  }
  if (x.s2s.enabled) {
    // Federation: port 5269 and outgoing connections on this flow service
    // too (the router's thread). The dialback secret signs our keys
    // (XEP-0185); kept so a restart does not invalidate streams in flight.
    auto dialback = load_or_create_secret(config.server.data_dir / "xmpp-dialback.key", 32, rng);
    if (!dialback) return unexpected("xmpp: " + dialback.error());
    XmppFlowCore* c2s_core = s->state_->core;
    auto s2s_core = std::make_unique<S2sFlowCore>(s2s_config(x, *dialback), x.s2s.hosts, c2s_core->router(),
                                                  [c2s_core](Instant now) { c2s_core->deliver_routed(now); }, log);
    s->state_->s2s = s2s_core.get();
    fc.tcp.push_back({x.s2s.address, x.s2s.port});
    flow_core = std::make_unique<SharedFlowCore>(std::move(flow_core), std::move(s2s_core), x.s2s.port);
    if (!x.s2s.require_tls)
      log->warn("xmpp: xmpp.s2s.require_tls is off: stanzas to and from other servers may cross the network in the clear");
  }
  net::BindError bind_error;
  std::string tls_error;
  s->flows_ = net::FlowService::start(fc, std::move(flow_core), bind_error, tls_error);
  if (!s->flows_) {
    if (!tls_error.empty()) return unexpected("xmpp: " + tls_error + " (xmpp.tls_certificate, xmpp.tls_private_key)");
    std::string why = bind_error.error.message();
    if (bind_error.error == std::errc::address_in_use)
      why += x.components.enabled && bind_error.address.port == x.components.port
                 ? " (another program has this port; change xmpp.components.port or stop it)"
             : x.s2s.enabled && bind_error.address.port == x.s2s.port
                 ? " (another program has this port; change xmpp.s2s.port or stop it)"
                 : " (another program has this port; change xmpp.port or stop it)";
    return unexpected("xmpp: cannot listen on " + bind_error.address.to_string() + ": " + why);
  }
  log->info("xmpp: listening on {} for {}{}", fmt::join(s->flows_->listening(), ", "), fmt::join(x.domains, ", "),
            x.muc.enabled ? "; group chat on " + x.muc.domain : std::string());
  return s;
}

XmppService::~XmppService() { stop(); }

void XmppService::stop() {
  if (!flows_) return;
  if (!stopped_) {
    // While the flow thread still runs: sessions end, unacknowledged
    // stanzas go offline (XEP-0198 §5), clients get system-shutdown.
    stopped_ = true;
    // Through state_: the flow service's core may be a SharedFlowCore.
    flows_->with_core([this](net::FlowCore&) {
      state_->core->shutdown(Clock::now());
      if (state_->components) state_->components->shutdown(Clock::now());
      if (state_->s2s) state_->s2s->shutdown(Clock::now());
    });
  }
  flows_->stop();
}

std::string XmppService::status_json() {
  nlohmann::json j;
  j["listening"] = flows_->listening();
  flows_->with_core([&](net::FlowCore&) {
    j.update(state_->core->status());
    if (state_->components) j["components"] = state_->components->status();
    if (state_->s2s) j["s2s"] = state_->s2s->status();
  });
  return j.dump();
}

std::string XmppService::counters_line() {
  auto j = nlohmann::json::parse(status_json());
  return fmt::format("xmpp counters: connections={} sessions={} auth_failures={} stanzas_in={} messages_stored={} "
                     "offline_delivered={} stream_errors={}",
                     j["connections"].get<std::size_t>(), j["sessions"].get<std::size_t>(),
                     j["streams"]["auth_failures"].get<std::uint64_t>(), j["router"]["stanzas_in"].get<std::uint64_t>(),
                     j["router"]["messages_stored"].get<std::uint64_t>(),
                     j["router"]["offline_delivered"].get<std::uint64_t>(),
                     j["streams"]["stream_errors"].get<std::uint64_t>());
}

}  // namespace confab::server
