#include "client/nat_command.hpp"

#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "client/exit_codes.hpp"
#include "client/nat_render.hpp"
#include "net/poll_loop.hpp"
#include "net/resolve.hpp"
#include "net/tcp_client.hpp"
#include "snatmap/nat_discovery.hpp"
#include "stun/message.hpp"

namespace confab::client {

namespace {

// One Binding request over TCP: is the server reachable that way, and what
// address does it see? (RFC 8489 §6.2.2 framing.)
snatmap::TcpReport tcp_binding(const SocketAddress& server, Rng& rng, std::vector<std::string>& notes) {
  snatmap::TcpReport report;
  auto request = stun::MessageBuilder(stun::MessageClass::request, stun::method::binding,
                                      stun::TransactionId::random(rng))
                     .add_string(stun::attr::software, "confab")
                     .add_fingerprint();
  auto bytes = std::move(request).finish();
  auto exchange = net::tcp_request(server, bytes, [](ByteView b) { return stun::stream_frame_size(b); },
                                   std::chrono::seconds(3));
  if (!exchange) {
    notes.push_back("TCP to " + server.to_string() + ": " + exchange.error());
    return report;
  }
  auto msg = stun::parse(exchange->response);
  if (!msg) {
    notes.push_back("TCP answer is not STUN: " + msg.error().message());
    return report;
  }
  report.reachable = msg->cls == stun::MessageClass::success_response;
  report.mapped_address = msg->xor_address(stun::attr::xor_mapped_address);
  if (!report.mapped_address) report.mapped_address = msg->address(stun::attr::mapped_address);
  return report;
}

class ProgressLine {
 public:
  explicit ProgressLine(bool enabled) : enabled_(enabled) {}
  ~ProgressLine() { clear(); }
  void show(const snatmap::DiscoveryProgress& p) {
    if (!enabled_) return;
    int index = static_cast<int>(p.step) + 1;
    std::string line = "[" + std::to_string(index) + "/6] " + snatmap::describe(p.step);
    if (p.idle) line += " (" + std::to_string(std::chrono::duration_cast<std::chrono::seconds>(*p.idle).count()) + " s idle)";
    if (p.transmission > 1) line += ", attempt " + std::to_string(p.transmission);
    if (line == last_) return;
    std::fprintf(stderr, "\r\033[K%s", line.c_str());
    std::fflush(stderr);
    last_ = line;
  }
  void clear() {
    if (enabled_ && !last_.empty()) std::fprintf(stderr, "\r\033[K");
    last_.clear();
  }

 private:
  bool enabled_;
  std::string last_;
};

}  // namespace

int run_nat(const NatOptions& o) {
  auto server = net::resolve(o.server, o.default_port);
  if (!server) {
    std::fprintf(stderr, "confab nat: %s\n", server.error().c_str());
    return exit_usage;
  }
  std::optional<IpAddress> local_ip;
  if (!o.bind.empty()) {
    local_ip = IpAddress::parse(o.bind);
    if (!local_ip) {
      std::fprintf(stderr, "confab nat: --bind: \"%s\" is not an IP address\n", o.bind.c_str());
      return exit_usage;
    }
  } else {
    local_ip = net::route_source(*server);
    if (!local_ip) {
      std::fprintf(stderr, "confab nat: no route to %s\n", server->to_string().c_str());
      return exit_unreachable;
    }
  }

  std::vector<net::UdpSocket> sockets;
  for (int i = 0; i < (o.lifetime ? 2 : 1); ++i) {
    std::error_code ec;
    auto s = net::UdpSocket::bind({*local_ip, 0}, {}, ec);
    if (ec) {
      std::fprintf(stderr, "confab nat: cannot open a UDP socket on %s: %s\n", local_ip->to_string().c_str(),
                   ec.message().c_str());
      return exit_internal;
    }
    sockets.push_back(std::move(s));
  }

  snatmap::DiscoveryConfig cfg;
  cfg.server = *server;
  for (const auto& s : sockets) cfg.sockets.push_back(s.local_address());
  cfg.local_addresses = net::interface_addresses();
  cfg.retransmit.initial_rto = std::chrono::milliseconds(o.rto_ms);
  cfg.retransmit.max_transmissions = o.transmissions;
  cfg.test_hairpinning = o.hairpinning;
  cfg.test_lifetime = o.lifetime;
  cfg.lifetime.max_duration = std::chrono::seconds(o.lifetime_max_seconds);

  SystemRng rng;
  Instant start = Clock::now();
  snatmap::NatDiscovery discovery(cfg, rng, start);
  ProgressLine progress(!o.json && ::isatty(STDERR_FILENO));
  Instant give_up = start + std::chrono::seconds(120) + (o.lifetime ? cfg.lifetime.max_duration : Duration{});
  bool finished = net::run_poll_loop(discovery, sockets, give_up, [&] { progress.show(discovery.progress()); });
  progress.clear();

  snatmap::NatReport report = discovery.report();
  if (!finished) report.notes.push_back("gave up before every test had finished");
  if (!report.udp || o.tcp) {
    report.tcp = tcp_binding(*server, rng, report.notes);
    report.advice = snatmap::advice(report);
  }
  std::cout << (o.json ? render_nat_json(report) : render_nat_text(report));
  if (!report.udp && !(report.tcp && report.tcp->reachable)) return exit_unreachable;
  return exit_ok;
}

}  // namespace confab::client
