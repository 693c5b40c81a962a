#pragma once
// confabd's XEP-0114 listener (port 5347, off by default): external
// components connect, prove their domain's secret, and serve that domain
// through the XMPP router.
//
// The router is single-threaded and lives on the XMPP flow service's
// thread, so the component listener is one more TCP address of that same
// flow service, not a service of its own: SharedFlowCore hands connections
// to the component port to the ComponentFlowCore and everything else to
// the c2s core, and both drive the one router without locks.
#include <spdlog/logger.h>

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <queue>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "net/flow_service.hpp"
#include "sasl/auth_limiter.hpp"
#include "server/config.hpp"
#include "xmpp/component_link.hpp"
#include "xmpp/component_session.hpp"
#include "xmpp/router.hpp"

namespace confab::server {

// The sans-I/O configuration from confabd's (xmpp.components, xmpp.limits).
xmpp::ComponentConfig component_config(const XmppConfig& x);

// Component connections: a ComponentSession each, and while connected a
// ComponentLink registered with the router under the component's domain.
class ComponentFlowCore final : public net::FlowCore, private xmpp::ComponentBinder {
 public:
  // `deliver` hands the router's deliveries to the c2s sessions (the c2s
  // core's job): called after the router routed a component's stanzas.
  ComponentFlowCore(xmpp::ComponentConfig config, std::uint32_t failed_handshakes, xmpp::Router& router,
                    std::function<void(Instant)> deliver, std::shared_ptr<spdlog::logger> log);
  ~ComponentFlowCore() override;

  void handle_flow_opened(Instant now, net::FlowId flow, Transport transport, const SocketAddress& local,
                          const SocketAddress& remote) override;
  void handle_datagram(Instant now, const Datagram& d, net::FlowId flow) override;
  void handle_flow_closed(Instant now, net::FlowId flow) override;
  void handle_timeout(Instant now) override;
  std::optional<net::FlowTransmit> poll_transmit() override;
  std::optional<net::FlowCommand> poll_command() override;
  std::optional<Instant> poll_timeout() const override;

  // confabd is stopping: every component gets system-shutdown.
  void shutdown(Instant now);
  nlohmann::json status() const;

 private:
  struct Conn {
    SocketAddress local, remote;
    std::unique_ptr<xmpp::ComponentSession> session;
    std::unique_ptr<xmpp::ComponentLink> link;  // while the component is connected
    bool close_requested = false;
  };

  bool claim_component(std::uint64_t session, const std::string& domain) override;
  void service(Instant now, net::FlowId flow);
  void flush(net::FlowId flow, Conn& c);
  void unlink(Instant now, Conn& c);
  void log_event(const Conn& c, const xmpp::ComponentEvent& e);

  xmpp::ComponentConfig config_;
  SystemRng rng_;
  sasl::AuthLimiter limiter_;
  xmpp::Router& router_;
  std::function<void(Instant)> deliver_;
  std::shared_ptr<spdlog::logger> log_;
  std::unordered_map<net::FlowId, Conn> conns_;
  std::unordered_map<std::string, net::FlowId> by_domain_;
  using Deadline = std::pair<Instant, net::FlowId>;
  std::priority_queue<Deadline, std::vector<Deadline>, std::greater<>> deadlines_;
  std::deque<net::FlowTransmit> out_;
  std::deque<net::FlowCommand> commands_;
  xmpp::ComponentCounters totals_;  // of sessions already gone
  std::uint64_t bounced_ = 0;       // requests answered service-unavailable when their component went
};

// Two cores on one flow service: TCP connections accepted on local port
// `second_port`, and outgoing ones `second` opened, belong to `second`;
// everything else to `main`.
class SharedFlowCore final : public net::FlowCore {
 public:
  SharedFlowCore(std::unique_ptr<net::FlowCore> main, std::unique_ptr<net::FlowCore> second, std::uint16_t second_port)
      : main_(std::move(main)), second_(std::move(second)), second_port_(second_port) {}

  void handle_flow_opened(Instant now, net::FlowId flow, Transport transport, const SocketAddress& local,
                          const SocketAddress& remote) override;
  void handle_flow_connecting(Instant now, net::FlowId flow, const SocketAddress& remote) override;
  void handle_flow_secured(Instant now, net::FlowId flow, const net::TlsInfo& info) override;
  void handle_datagram(Instant now, const Datagram& d, net::FlowId flow) override;
  void handle_flow_closed(Instant now, net::FlowId flow) override;
  void handle_timeout(Instant now) override;
  std::optional<net::FlowTransmit> poll_transmit() override;
  std::optional<net::FlowCommand> poll_command() override;
  std::optional<Instant> poll_timeout() const override;
  bool holding() const override { return main_->holding() || second_->holding(); }
  void handle_round_end(Instant now) override;

 private:
  net::FlowCore& core_of(net::FlowId flow) { return second_flows_.count(flow) ? *second_ : *main_; }

  std::unique_ptr<net::FlowCore> main_;
  std::unique_ptr<net::FlowCore> second_;
  std::uint16_t second_port_;
  std::unordered_set<net::FlowId> second_flows_;
  // Outgoing connections `second` asked for (a transmit with no flow):
  // their flows are its own once the flow service names them.
  std::multiset<SocketAddress> second_connects_;
};

}  // namespace confab::server
