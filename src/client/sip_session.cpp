#include "client/sip_session.hpp"

#include <sys/socket.h>
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
#include "net/sockaddr.hpp"
#include "net/stream_client.hpp"
#include "net/tcp_client.hpp"
#include "sip/parser.hpp"

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

// SIP over one TLS connection to the server: messages framed by
// Content-Length (RFC 3261 §18.3) and handed to the UA as from the server.
class TlsPort final : public net::StreamPort {
 public:
  TlsPort(std::unique_ptr<net::StreamClient> c, sip::UserAgent*& ua, SocketAddress local, SocketAddress server)
      : client_(std::move(c)), ua_(ua), local_(local), server_(server) {}
  int fd() const override { return client_->native_handle(); }
  bool has_buffered() const override { return !closed_ && client_->has_buffered(); }
  void on_readable(Instant now) override {
    if (closed_) return;
    auto got = client_->read_some(std::chrono::milliseconds(0));
    if (!got) return lost(got.error());
    buffer_.insert(buffer_.end(), got->begin(), got->end());
    for (;;) {
      auto frame = sip::frame_size(buffer_);
      if (!frame) return lost("unframeable SIP from the server: " + frame.error().message());
      if (!*frame) break;
      const std::size_t n = (*frame)->size;
      if ((*frame)->kind == sip::FrameKind::message && ua_)
        ua_->handle_datagram(now, Datagram{Transport::tls, local_, server_, ByteView(buffer_.data(), n)});
      buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(n));
    }
  }
  void send(const Transmit& t) override {
    if (closed_) return;
    if (auto w = client_->write_all(t.bytes, std::chrono::seconds(5)); !w) lost(w.error());
  }

 private:
  void lost(const std::string& why) {
    closed_ = true;
    std::fprintf(stderr, "confab: the TLS connection to %s is gone (%s)\n", server_.to_string().c_str(), why.c_str());
    g_stop = 1;  // nothing more can be said or heard: wind down like Ctrl-C
  }
  std::unique_ptr<net::StreamClient> client_;
  sip::UserAgent*& ua_;
  SocketAddress local_, server_;
  Bytes buffer_;
  bool closed_ = false;
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

  if (o.transport != "udp" && o.transport != "tls") return fail(exit_usage, "--transport must be udp or tls");
  const bool tls = o.transport == "tls";
  auto server = net::resolve(o.server.empty() ? s->config_.domain : o.server, tls ? 5061 : 5060);
  if (!server) return fail(exit_unreachable, server.error());
  s->config_.server = *server;
  auto local_ip = net::route_source(*server);
  if (!local_ip) return fail(exit_unreachable, "no route to " + server->to_string());
  std::error_code ec;
  // sockets_[0] is the SIP socket on UDP; over TLS it is a placeholder the
  // driver never sees traffic on (media sockets follow it either way).
  s->sockets_.push_back(net::UdpSocket::bind({*local_ip, 0}, {}, ec));
  if (ec) return fail(exit_internal, "cannot open a UDP socket: " + ec.message());
  s->config_.local = s->sockets_.front().local_address();
  if (tls) {
    net::TlsClientOptions t{s->config_.domain, o.ca_file, !o.insecure};
    auto c = net::StreamClient::connect(*server, std::chrono::seconds(10), t);
    if (!c) return fail(exit_unreachable, "TLS to " + server->to_string() + ": " + c.error());
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    if (::getsockname((*c)->native_handle(), reinterpret_cast<sockaddr*>(&ss), &len) != 0)
      return fail(exit_internal, "getsockname on the TLS connection failed");
    s->config_.local = net::from_sockaddr(ss);
    s->config_.transport = Transport::tls;
    s->stream_ = std::make_unique<TlsPort>(std::move(*c), s->ua_raw_, s->config_.local, *server);
  }
  s->ua_ = std::make_unique<sip::UserAgent>(s->config_, s->rng_);
  s->ua_raw_ = s->ua_.get();
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
  return net::run_poll_loop(driver, sockets_, give_up_at, wakeup, stream_.get());
}

void SipSession::attach_media(call::CallMedia* media, std::vector<net::UdpSocket> sockets) {
  media_ = media;
  for (auto& s : sockets) sockets_.push_back(std::move(s));
}

}  // namespace confab::client
