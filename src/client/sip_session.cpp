#include "client/sip_session.hpp"

#include <termios.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "client/exit_codes.hpp"
#include "net/poll_loop.hpp"
#include "client/password.hpp"
#include "net/resolve.hpp"
#include "net/tcp_client.hpp"

namespace confab::client {

namespace {

volatile std::sig_atomic_t g_stop = 0;

extern "C" void on_stop_signal(int) { g_stop = 1; }

// The machine run_poll_loop drives: the UA (datagrams on the SIP socket)
// and the call's media, if any (the other sockets), woken at least every
// 200 ms so a stop request that raced poll(2) is seen promptly.
struct Driver {
  sip::UserAgent& ua;
  call::CallMedia*& media;
  std::uint16_t sip_port;
  const std::function<bool()>& done;
  void handle_datagram(Instant now, const Datagram& d) {
    if (d.local.port == sip_port) {
      ua.handle_datagram(now, d);
    } else if (media) {
      media->handle_datagram(now, d);
    }
  }
  void handle_timeout(Instant now) {
    if (auto t = ua.poll_timeout(); t && *t <= now) ua.handle_timeout(now);
    if (media)
      if (auto t = media->poll_timeout(); t && *t <= now) media->handle_timeout(now);
  }
  std::optional<Transmit> poll_transmit() {
    if (auto t = ua.poll_transmit()) return t;
    return media ? media->poll_transmit() : std::nullopt;
  }
  std::optional<Instant> poll_timeout() const {
    Instant next = Clock::now() + std::chrono::milliseconds(200);
    if (auto t = ua.poll_timeout()) next = std::min(next, *t);
    if (media)
      if (auto t = media->poll_timeout()) next = std::min(next, *t);
    return next;
  }
  bool is_done() const { return done(); }
};

}  // namespace

void install_stop_handlers() {
  struct sigaction sa{};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: poll returns EINTR
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
}

bool stop_requested() { return g_stop != 0; }

std::string status_text(int status, const std::string& reason) {
  return reason.empty() ? std::to_string(status) : std::to_string(status) + " " + reason;
}

std::unique_ptr<SipSession> SipSession::open(const std::string& command, const SipAccountOptions& o, int& exit_code) {
  auto fail = [&](int code, const std::string& why) {
    std::fprintf(stderr, "%s: %s\n", command.c_str(), why.c_str());
    exit_code = code;
    return nullptr;
  };
  std::string aor = o.aor;
  if (aor.rfind("sip:", 0) == 0) aor = aor.substr(4);
  const auto at = aor.find('@');
  if (at == std::string::npos || at == 0 || at + 1 == aor.size())
    return fail(exit_usage, "\"" + o.aor + "\" is not USER@DOMAIN");

  std::unique_ptr<SipSession> s(new SipSession);
  s->config_.user = aor.substr(0, at);
  s->config_.domain = aor.substr(at + 1);
  s->config_.expires = o.expires;

  auto password = read_password(aor, o.password_file);
  if (!password) return fail(exit_usage, password.error());
  s->config_.password = *password;

  auto server = net::resolve(o.server.empty() ? s->config_.domain : o.server, 5060);
  if (!server) return fail(exit_unreachable, server.error());
  s->config_.server = *server;
  auto local_ip = net::route_source(*server);
  if (!local_ip) return fail(exit_unreachable, "no route to " + server->to_string());
  std::error_code ec;
  s->sockets_.push_back(net::UdpSocket::bind({*local_ip, 0}, {}, ec));
  if (ec) return fail(exit_internal, "cannot open a UDP socket: " + ec.message());
  s->config_.local = s->sockets_.front().local_address();
  s->ua_ = std::make_unique<sip::UserAgent>(s->config_, s->rng_);
  install_stop_handlers();
  return s;
}

bool SipSession::run(Instant give_up_at, const std::function<void(Instant, const sip::UaEvent&)>& on_event,
                     const std::function<void(Instant)>& tick, const std::function<bool()>& done) {
  Driver driver{*ua_, media_, config_.local.port, done};
  auto wakeup = [&] {
    const Instant now = Clock::now();
    while (auto e = ua_->poll_event()) on_event(now, *e);
    tick(now);
  };
  wakeup();  // events and actions before the first wait
  return net::run_poll_loop(driver, sockets_, give_up_at, wakeup);
}

void SipSession::attach_media(call::CallMedia* media, std::vector<net::UdpSocket> sockets) {
  media_ = media;
  for (auto& s : sockets) sockets_.push_back(std::move(s));
}

}  // namespace confab::client
