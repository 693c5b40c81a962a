#include "server/portcheck_service.hpp"

#include <asio/connect.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/ip/udp.hpp>
#include <asio/post.hpp>
#include <asio/read.hpp>
#include <asio/steady_timer.hpp>
#include <asio/write.hpp>
#include <fmt/format.h>

#include <array>
#include <deque>
#include <future>
#include <map>
#include <nlohmann/json.hpp>
#include <thread>

#include "diag/portcheck_server.hpp"
#include "net/asio_address.hpp"

namespace confab::server {

namespace {

using asio::ip::tcp;
using asio::ip::udp;

constexpr std::size_t max_control_buffer = 4096;   // bytes of a line not yet ended
constexpr std::size_t max_stream_connections = 256;  // echo connections and inbound connects at once
constexpr auto stream_timeout = std::chrono::seconds(5);

}  // namespace

struct PortcheckService::Impl {
  Impl(diag::PortcheckServerConfig cfg, IpAddress addr, std::shared_ptr<spdlog::logger> l)
      : core(std::move(cfg), rng), log(std::move(l)), address(addr) {}

  struct ControlConn {
    explicit ControlConn(tcp::socket s) : socket(std::move(s)) {}
    tcp::socket socket;
    std::array<char, 1024> buf{};
    std::string in;
    std::deque<std::string> out;
    bool writing = false;
    bool closing = false;
  };
  struct UdpEcho {
    explicit UdpEcho(udp::socket s) : socket(std::move(s)) {}
    udp::socket socket;
    udp::endpoint from;
    std::array<std::uint8_t, 2048> buf{};
  };

  asio::io_context io{1};
  std::thread thread;
  SystemRng rng;
  diag::PortcheckServer core;
  std::shared_ptr<spdlog::logger> log;
  IpAddress address;
  tcp::acceptor control_acceptor{io};
  udp::socket unsolicited{io};
  asio::steady_timer timer{io};
  std::map<diag::ControlId, std::shared_ptr<ControlConn>> controls;
  diag::ControlId next_control = 1;
  std::map<std::uint16_t, std::shared_ptr<UdpEcho>> udp_echo;
  std::map<std::uint16_t, std::shared_ptr<tcp::acceptor>> tcp_echo;
  std::size_t stream_connections = 0;

  void accept_control() {
    control_acceptor.async_accept([self = this](std::error_code ec, tcp::socket s) {
      if (ec == asio::error::operation_aborted) return;
      if (!ec) {
        std::error_code e;
        auto remote = s.remote_endpoint(e);
        if (!e) {
          const auto id = self->next_control++;
          auto c = std::make_shared<ControlConn>(std::move(s));
          self->controls[id] = c;
          self->core.handle_control_opened(Clock::now(), id, net::from_tcp_endpoint(remote));
          self->read_control(id, c);
          self->pump();
        }
      }
      self->accept_control();
    });
  }

  void read_control(diag::ControlId id, std::shared_ptr<ControlConn> c) {
    c->socket.async_read_some(asio::buffer(c->buf), [self = this, id, c](std::error_code ec, std::size_t n) {
      if (ec) {
        self->controls.erase(id);
        self->core.handle_control_closed(Clock::now(), id);
        self->pump();
        return;
      }
      c->in.append(c->buf.data(), n);
      std::size_t eol;
      while (!c->closing && (eol = c->in.find('\n')) != std::string::npos) {
        std::string line = c->in.substr(0, eol);
        c->in.erase(0, eol + 1);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        self->core.handle_control_line(Clock::now(), id, line);
      }
      if (c->in.size() > max_control_buffer) self->core.handle_control_line(Clock::now(), id, c->in);  // refused as too long
      self->pump();
      if (self->controls.count(id)) self->read_control(id, c);
    });
  }

  void write_control(std::shared_ptr<ControlConn> c) {
    if (c->writing) return;
    if (c->out.empty()) {
      if (c->closing) {
        std::error_code e;
        c->socket.shutdown(tcp::socket::shutdown_both, e);
        c->socket.close(e);
      }
      return;
    }
    c->writing = true;
    asio::async_write(c->socket, asio::buffer(c->out.front()), [self = this, c](std::error_code ec, std::size_t) {
      c->writing = false;
      c->out.pop_front();
      if (ec) {
        c->out.clear();
        std::error_code e;
        c->socket.close(e);
        return;
      }
      self->write_control(c);
    });
  }

  void receive_echo(std::uint16_t port, std::shared_ptr<UdpEcho> e) {
    e->socket.async_receive_from(asio::buffer(e->buf), e->from, [self = this, port, e](std::error_code ec, std::size_t n) {
      if (ec == asio::error::operation_aborted || !e->socket.is_open()) return;
      if (!ec) {
        Datagram d{Transport::udp, SocketAddress{self->address, port}, net::from_udp_endpoint(e->from),
                   ByteView(e->buf.data(), n)};
        self->core.handle_datagram(Clock::now(), d);
        self->pump();
      }
      self->receive_echo(port, e);
    });
  }

  void accept_echo(std::uint16_t port, std::shared_ptr<tcp::acceptor> a) {
    a->async_accept([self = this, port, a](std::error_code ec, tcp::socket s) {
      if (ec == asio::error::operation_aborted || !a->is_open()) return;
      if (!ec && self->stream_connections < max_stream_connections) self->serve_echo(port, std::move(s));
      self->accept_echo(port, a);
    });
  }

  // One echo request per connection: 64 bytes in, the reply out, closed.
  void serve_echo(std::uint16_t port, tcp::socket s) {
    std::error_code e;
    auto remote = s.remote_endpoint(e);
    if (e) return;
    ++stream_connections;
    auto sock = std::make_shared<tcp::socket>(std::move(s));
    auto buf = std::make_shared<std::array<std::uint8_t, diag::probe_request_size>>();
    auto deadline = std::make_shared<asio::steady_timer>(io, stream_timeout);
    deadline->async_wait([sock](std::error_code ec) {
      std::error_code ignored;
      if (!ec) sock->close(ignored);
    });
    asio::async_read(*sock, asio::buffer(*buf), [self = this, port, sock, buf, deadline, remote](std::error_code ec, std::size_t) {
      std::optional<Bytes> reply;
      if (!ec) reply = self->core.handle_stream_probe(Clock::now(), port, net::from_tcp_endpoint(remote), *buf);
      self->pump();
      if (!reply) {
        self->finish_stream(sock, deadline);
        return;
      }
      auto out = std::make_shared<Bytes>(std::move(*reply));
      asio::async_write(*sock, asio::buffer(*out), [self, sock, deadline, out](std::error_code, std::size_t) {
        self->finish_stream(sock, deadline);
      });
    });
  }

  void finish_stream(const std::shared_ptr<tcp::socket>& sock, const std::shared_ptr<asio::steady_timer>& deadline) {
    std::error_code e;
    sock->shutdown(tcp::socket::shutdown_both, e);
    sock->close(e);
    deadline->cancel();
    --stream_connections;
  }

  void connect_inbound(const SocketAddress& to, Bytes bytes) {
    if (stream_connections >= max_stream_connections) return;
    ++stream_connections;
    auto sock = std::make_shared<tcp::socket>(io);
    auto out = std::make_shared<Bytes>(std::move(bytes));
    auto deadline = std::make_shared<asio::steady_timer>(io, stream_timeout);
    deadline->async_wait([sock](std::error_code ec) {
      std::error_code ignored;
      if (!ec) sock->close(ignored);
    });
    sock->async_connect(net::to_tcp_endpoint(to), [self = this, sock, out, deadline](std::error_code ec) {
      if (ec) {
        self->finish_stream(sock, deadline);
        return;
      }
      asio::async_write(*sock, asio::buffer(*out), [self, sock, out, deadline](std::error_code, std::size_t) {
        self->finish_stream(sock, deadline);
      });
    });
  }

  bool open_port(diag::Proto proto, std::uint16_t port) {
    std::error_code ec;
    if (proto == diag::Proto::udp) {
      udp::socket s(io);
      const auto ep = net::to_udp_endpoint({address, port});
      s.open(ep.protocol(), ec);
      if (!ec) s.bind(ep, ec);
      if (ec) {
        log->debug("portcheck: cannot open udp {}: {}", port, ec.message());
        return false;
      }
      auto e = std::make_shared<UdpEcho>(std::move(s));
      udp_echo[port] = e;
      receive_echo(port, e);
      return true;
    }
    auto a = std::make_shared<tcp::acceptor>(io);
    const auto ep = net::to_tcp_endpoint({address, port});
    a->open(ep.protocol(), ec);
    if (!ec) a->set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) a->bind(ep, ec);
    if (!ec) a->listen(16, ec);
    if (ec) {
      log->debug("portcheck: cannot open tcp {}: {}", port, ec.message());
      return false;
    }
    tcp_echo[port] = a;
    accept_echo(port, a);
    return true;
  }

  void close_port(diag::Proto proto, std::uint16_t port) {
    std::error_code ec;
    if (proto == diag::Proto::udp) {
      if (auto it = udp_echo.find(port); it != udp_echo.end()) {
        it->second->socket.close(ec);
        udp_echo.erase(it);
      }
    } else if (auto it = tcp_echo.find(port); it != tcp_echo.end()) {
      it->second->close(ec);
      tcp_echo.erase(it);
    }
  }

  // Everything the core wants done, then its next deadline.
  void pump() {
    for (;;) {
      bool any = false;
      while (auto t = core.poll_transmit()) {
        any = true;
        std::error_code ec;
        const auto to = net::to_udp_endpoint(t->remote);
        if (t->local.port == diag::unsolicited_port) {
          unsolicited.send_to(asio::buffer(t->bytes), to, 0, ec);
        } else if (auto it = udp_echo.find(t->local.port); it != udp_echo.end()) {
          it->second->socket.send_to(asio::buffer(t->bytes), to, 0, ec);
        }
      }
      while (auto a = core.poll_action()) {
        any = true;
        using K = diag::PortcheckAction::Kind;
        switch (a->kind) {
          case K::control_reply:
            if (auto it = controls.find(a->control); it != controls.end()) {
              it->second->out.push_back(a->text + "\n");
              write_control(it->second);
            }
            break;
          case K::close_control:
            if (auto it = controls.find(a->control); it != controls.end()) {
              it->second->closing = true;
              write_control(it->second);
            }
            break;
          case K::open_port: core.handle_port_result(Clock::now(), a->proto, a->port, open_port(a->proto, a->port)); break;
          case K::close_port: close_port(a->proto, a->port); break;
          case K::connect_inbound: connect_inbound(a->remote, std::move(a->bytes)); break;
        }
      }
      if (!any) break;
    }
    if (auto deadline = core.poll_timeout()) {
      timer.expires_at(*deadline);
      timer.async_wait([self = this](std::error_code ec) {
        if (ec) return;
        self->core.handle_timeout(Clock::now());
        self->pump();
      });
    } else {
      timer.cancel();
    }
  }

  nlohmann::json snapshot() {
    const auto& c = core.counters();
    return {{"listening", {fmt::format("tcp {}", net::from_tcp_endpoint(control_acceptor.local_endpoint()).to_string())}},
            {"sessions", core.sessions()},
            {"open_echo_ports", core.open_ports()},
            {"counters",
             {{"sessions", c.sessions}, {"sessions_refused", c.sessions_refused}, {"sessions_expired", c.sessions_expired},
              {"bad_commands", c.bad_commands}, {"echoes", c.echoes}, {"inbound_sent", c.inbound_sent},
              {"sip_probes", c.sip_probes}, {"dropped_unknown", c.dropped_unknown},
              {"dropped_malformed", c.dropped_malformed}, {"rate_limited", c.rate_limited}}}};
  }

  nlohmann::json snapshot_on_thread() {
    std::promise<nlohmann::json> p;
    auto f = p.get_future();
    asio::post(io, [&] { p.set_value(snapshot()); });
    if (f.wait_for(std::chrono::seconds(2)) != std::future_status::ready) return nlohmann::json::object();
    return f.get();
  }
};

Result<std::unique_ptr<PortcheckService>, std::string> PortcheckService::start(const Config& config,
                                                                               std::shared_ptr<spdlog::logger> log) {
  const auto& pc = config.portcheck;
  diag::PortcheckServerConfig cfg;
  cfg.catalog = diag::port_catalog(port_settings_from(config));
  // Ports where confabd's own services answer are probed with their own
  // protocol; only the rest (media, Bonjour) may become echo ports.
  for (const auto& e : cfg.catalog)
    if (e.direction == diag::Direction::to_server)
      for (std::uint32_t p = e.first; p <= e.last; ++p) cfg.served.insert({e.proto, static_cast<std::uint16_t>(p)});
  cfg.session_lifetime = pc.session_lifetime;
  cfg.max_sessions = pc.max_sessions;
  cfg.sessions_per_address = pc.sessions_per_address;
  cfg.session_rate = {pc.sessions_per_minute / 60.0, std::max(1.0, std::min(pc.sessions_per_minute, 10.0)), 4096};
  cfg.probe_rate = {pc.probes_per_second, std::max(1.0, pc.probes_per_second * 2), 4096};

  std::unique_ptr<PortcheckService> s(new PortcheckService);
  s->impl_ = std::make_shared<Impl>(std::move(cfg), pc.address, log);
  auto& impl = *s->impl_;
  const SocketAddress control{pc.address, pc.port};
  std::error_code ec;
  const auto ep = net::to_tcp_endpoint(control);
  impl.control_acceptor.open(ep.protocol(), ec);
  if (!ec) impl.control_acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) impl.control_acceptor.bind(ep, ec);
  if (!ec) impl.control_acceptor.listen(64, ec);
  if (ec) {
    std::string why = ec.message();
    if (ec == std::errc::address_in_use) why += " (another program has this port; change portcheck.port or stop it)";
    return unexpected("portcheck: cannot listen on tcp " + control.to_string() + ": " + why);
  }
  const auto unsolicited_ep = net::to_udp_endpoint({pc.address, 0});
  impl.unsolicited.open(unsolicited_ep.protocol(), ec);
  if (!ec) impl.unsolicited.bind(unsolicited_ep, ec);
  if (ec) return unexpected("portcheck: cannot open a UDP socket for inbound probes: " + ec.message());
  impl.accept_control();
  impl.thread = std::thread([&impl] { impl.io.run(); });
  log->info("portcheck: control on tcp {}, inbound probes from udp port {}", control.to_string(),
            impl.unsolicited.local_endpoint().port());
  return s;
}

PortcheckService::~PortcheckService() { stop(); }

void PortcheckService::stop() {
  if (!impl_ || !impl_->thread.joinable()) return;
  impl_->io.stop();
  impl_->thread.join();
}

SipProbeSink PortcheckService::sip_probe_sink() {
  std::weak_ptr<Impl> weak = impl_;
  return [weak](Transport t, const SocketAddress& remote, ByteView message) {
    auto impl = weak.lock();
    if (!impl) return;
    asio::post(impl->io, [impl, t, remote, bytes = Bytes(message.begin(), message.end())] {
      impl->core.handle_sip_probe(Clock::now(), t, remote, bytes);
      impl->pump();
    });
  };
}

std::string PortcheckService::status_json() { return impl_->snapshot_on_thread().dump(); }

std::string PortcheckService::counters_line() {
  auto j = impl_->snapshot_on_thread();
  if (!j.contains("counters")) return "portcheck counters: (unavailable)";
  const auto& c = j["counters"];
  return fmt::format("portcheck counters: sessions={} refused={} echoes={} inbound_sent={} sip_probes={} dropped={} "
                     "rate_limited={} open_sessions={} open_echo_ports={}",
                     c["sessions"].get<std::uint64_t>(), c["sessions_refused"].get<std::uint64_t>(),
                     c["echoes"].get<std::uint64_t>(), c["inbound_sent"].get<std::uint64_t>(),
                     c["sip_probes"].get<std::uint64_t>(),
                     c["dropped_unknown"].get<std::uint64_t>() + c["dropped_malformed"].get<std::uint64_t>(),
                     c["rate_limited"].get<std::uint64_t>(), j["sessions"].get<std::size_t>(),
                     j["open_echo_ports"].get<std::size_t>());
}

}  // namespace confab::server
