#pragma once
// confabd's federation (port 5269, off by default): the S2sManager
// (src/xmpp/s2s_manager.hpp) over the XMPP flow service. Like the
// component listener, it is one more TCP address of the flow service whose
// thread runs the router, so the router needs no locks; its outgoing
// connections are the flow service's too (FlowCore::handle_flow_connecting,
// FlowCommand::start_tls_client).
//
// Name resolution (static `hosts`, SRV, A/AAAA) blocks, so it runs on a
// short-lived thread per domain; the core polls for its result.
#include <spdlog/logger.h>

#include <functional>
#include <future>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/rng.hpp"
#include "net/flow_service.hpp"
#include "server/config.hpp"
#include "xmpp/router.hpp"
#include "xmpp/s2s_manager.hpp"

namespace confab::server {

// The sans-I/O configuration from confabd's ([xmpp.s2s], xmpp.domains).
xmpp::S2sConfig s2s_config(const XmppConfig& x, Bytes secret);

// Where `domain`'s server is: a static host, else SRV records in order,
// else the domain's own addresses on 5269. Blocking (DNS).
struct ResolvedTargets {
  std::vector<SocketAddress> addresses;
  std::string error;  // when addresses is empty
};
ResolvedTargets resolve_xmpp_server(const std::string& domain, const std::vector<S2sHost>& hosts);

class S2sFlowCore final : public net::FlowCore {
 public:
  // `deliver` hands the router's deliveries to the c2s sessions.
  S2sFlowCore(xmpp::S2sConfig config, std::vector<S2sHost> hosts, xmpp::Router& router,
              std::function<void(Instant)> deliver, std::shared_ptr<spdlog::logger> log);
  ~S2sFlowCore() override;

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

  void shutdown(Instant now);
  nlohmann::json status() const;

 private:
  void after(Instant now);
  std::uint64_t conn_of(net::FlowId flow) const;

  SystemRng rng_;
  xmpp::S2sManager manager_;
  std::vector<S2sHost> hosts_;
  xmpp::Router& router_;
  std::function<void(Instant)> deliver_;
  std::shared_ptr<spdlog::logger> log_;
  std::unordered_map<net::FlowId, std::uint64_t> conn_of_flow_;  // outgoing flows
  std::unordered_map<std::uint64_t, net::FlowId> flow_of_conn_;
  std::map<SocketAddress, std::vector<std::uint64_t>> connecting_;  // connects sent, flow not yet known
  std::vector<std::pair<std::string, std::future<ResolvedTargets>>> resolving_;
  std::deque<net::FlowCommand> commands_;
};

}  // namespace confab::server
