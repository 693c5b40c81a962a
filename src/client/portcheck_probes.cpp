#include "client/portcheck_probes.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <functional>
#include <cstring>
#include <map>
#include <thread>

#include "diag/sip_probe.hpp"
#include "net/sockaddr.hpp"
#include "net/stream_client.hpp"
#include "net/tcp_client.hpp"
#include "stun/message.hpp"

namespace confab::client {

namespace {

int family_of(const IpAddress& ip) { return ip.is_v4() ? AF_INET : AF_INET6; }

bool bind_port(int fd, const IpAddress& like, std::uint16_t port) {
  sockaddr_storage ss{};
  const IpAddress any = like.is_v4() ? IpAddress{} : *IpAddress::parse("::");
  socklen_t len = net::to_sockaddr({any, port}, ss);
  return ::bind(fd, reinterpret_cast<sockaddr*>(&ss), len) == 0;
}

bool connect_to(int fd, const SocketAddress& to) {
  sockaddr_storage ss{};
  socklen_t len = net::to_sockaddr(to, ss);
  return ::connect(fd, reinterpret_cast<sockaddr*>(&ss), len) == 0;
}

SocketAddress local_of(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len);
  return net::from_sockaddr(ss);
}

// Back to an unconnected socket, so datagrams from any port arrive (the
// server's unsolicited probes come from another port than the echo).
void disconnect(int fd) {
  sockaddr sa{};
  sa.sa_family = AF_UNSPEC;
  ::connect(fd, &sa, sizeof sa);
}

bool refused(const std::string& error) { return error.find("refused") != std::string::npos; }

Bytes stun_binding(const stun::TransactionId& id) {
  return stun::MessageBuilder(stun::MessageClass::request, stun::method::binding, id)
      .add_string(stun::attr::software, "confab portcheck")
      .add_fingerprint()
      .finish();
}

bool is_stun_answer(ByteView b, const stun::TransactionId& id) {
  auto m = stun::parse(b);
  return m && m->cls == stun::MessageClass::success_response && m->transaction_id == id;
}

bool is_echo_answer(ByteView b, const ProbeContext& ctx, std::uint16_t port) {
  auto p = diag::parse_probe(b);
  return p && p->kind == diag::ProbeKind::echo_reply && p->token == ctx.token && p->server_port == port;
}

bool is_sip_answer(ByteView b) { return as_chars(b).starts_with("SIP/2.0 "); }

std::string nonce_from(Rng& rng) { return rng.random_hex(12); }

diag::SipProbeParams sip_params(const ProbeContext& ctx, Transport t, const SocketAddress& local, std::uint16_t port,
                                std::string nonce) {
  diag::SipProbeParams p;
  p.transport = t;
  p.local = local;
  p.server_host = ctx.server_host;
  p.server_port = port;
  p.token = ctx.token;
  p.nonce = std::move(nonce);
  p.media_port = 16384;
  return p;
}

struct UdpState {
  ProbeTarget* target;
  int fd = -1;
  Bytes request;
  stun::TransactionId id;
  bool done = false;
  bool wants_inbound = false;
};

}  // namespace

ProbeTarget::~ProbeTarget() {
  if (inbound_fd >= 0) ::close(inbound_fd);
}

ProbeTarget::ProbeTarget(ProbeTarget&& o) noexcept
    : obs(std::move(o.obs)), sip_sent(std::move(o.sip_sent)), inbound_fd(std::exchange(o.inbound_fd, -1)) {}

void probe_udp(const ProbeContext& ctx, std::vector<ProbeTarget*> targets, Rng& rng) {
  std::vector<UdpState> states;
  for (auto* t : targets) {
    UdpState s{t};
    const auto& o = t->obs;
    s.fd = ::socket(family_of(ctx.server.ip), SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (s.fd < 0) {
      t->obs.note = std::string("socket: ") + std::strerror(errno);
      continue;
    }
    // The inbound test needs the same port here as there: a peer sends to it.
    s.wants_inbound = o.inbound_tested && o.method == diag::ProbeMethod::echo;
    if (s.wants_inbound && !bind_port(s.fd, ctx.server.ip, o.port)) t->obs.local_port_busy = true;
    if (!connect_to(s.fd, {ctx.server.ip, o.port})) {
      t->obs.note = std::string("connect: ") + std::strerror(errno);
      ::close(s.fd);
      continue;
    }
    const auto local = local_of(s.fd);
    switch (o.method) {
      case diag::ProbeMethod::stun:
        s.id = stun::TransactionId::random(rng);
        s.request = stun_binding(s.id);
        break;
      case diag::ProbeMethod::sip:
        t->sip_sent = diag::build_sip_probe(sip_params(ctx, Transport::udp, local, o.port, nonce_from(rng)));
        s.request.assign(t->sip_sent.begin(), t->sip_sent.end());
        break;
      default: {
        diag::Probe p;
        p.kind = diag::ProbeKind::echo_request;
        p.token = ctx.token;
        p.client_port = local.port;
        p.server_port = o.port;
        s.request = diag::encode_probe(p);
      }
    }
    states.push_back(std::move(s));
  }
  // Three transmissions (0, T/4, T/2), answers until T.
  const Instant start = Clock::now();
  const Instant deadline = start + ctx.timeout;
  std::vector<Instant> sends{start, start + ctx.timeout / 4, start + ctx.timeout / 2};
  std::size_t next_send = 0;
  std::vector<std::uint8_t> buf(4096);
  for (;;) {
    Instant now = Clock::now();
    if (next_send < sends.size() && now >= sends[next_send]) {
      for (auto& s : states)
        if (!s.done) ::send(s.fd, s.request.data(), s.request.size(), 0);  // a failed send is a lost probe
      ++next_send;
    }
    const bool all_done = std::all_of(states.begin(), states.end(), [](const UdpState& s) { return s.done; });
    if (all_done || now >= deadline) break;
    Instant wake = next_send < sends.size() ? std::min(deadline, sends[next_send]) : deadline;
    std::vector<pollfd> fds;
    for (auto& s : states) fds.push_back({s.fd, static_cast<short>(s.done ? 0 : POLLIN), 0});
    const auto ms = std::chrono::ceil<std::chrono::milliseconds>(wake - now).count();
    if (::poll(fds.data(), fds.size(), static_cast<int>(std::max<long long>(0, ms))) <= 0) continue;
    for (std::size_t i = 0; i < states.size(); ++i) {
      auto& s = states[i];
      if (s.done || !(fds[i].revents & (POLLIN | POLLERR))) continue;
      for (;;) {
        const auto n = ::recv(s.fd, buf.data(), buf.size(), 0);
        if (n < 0) {
          if (errno == ECONNREFUSED) {
            s.target->obs.refused = true;  // ICMP port unreachable
            s.done = true;
          }
          break;
        }
        ByteView b(buf.data(), static_cast<std::size_t>(n));
        const auto& o = s.target->obs;
        const bool ok = o.method == diag::ProbeMethod::stun  ? is_stun_answer(b, s.id)
                        : o.method == diag::ProbeMethod::sip ? is_sip_answer(b)
                                                             : is_echo_answer(b, ctx, o.port);
        if (ok) {
          s.target->obs.answered = true;
          s.done = true;
          break;
        }
      }
    }
  }
  for (auto& s : states) {
    if (s.wants_inbound && !s.target->obs.local_port_busy) {
      disconnect(s.fd);
      s.target->inbound_fd = s.fd;
    } else {
      ::close(s.fd);
    }
  }
}

namespace {

// Reads until `complete` says the bytes so far are an answer, the
// connection ends, or the deadline passes.
bool read_answer(net::StreamClient& c, Instant deadline, const std::function<bool(ByteView)>& complete,
                 std::string& note) {
  Bytes got;
  while (Clock::now() < deadline) {
    auto r = c.read_some(std::chrono::duration_cast<Duration>(deadline - Clock::now()));
    if (!r) {
      note = r.error();
      return false;
    }
    got.insert(got.end(), r->begin(), r->end());
    if (complete(got)) return true;
    if (got.size() > 65536) break;
  }
  if (note.empty()) note = got.empty() ? "connected, but no answer" : "connected, but the answer is not the service's";
  return false;
}

void probe_one_tcp(const ProbeContext& ctx, ProbeTarget& t, std::string nonce, stun::TransactionId id) {
  auto& o = t.obs;
  const SocketAddress to{ctx.server.ip, o.port};
  const Instant deadline = Clock::now() + ctx.timeout;
  if (o.method == diag::ProbeMethod::stun) {
    auto r = net::tcp_request(to, stun_binding(id), [](ByteView b) { return stun::stream_frame_size(b); }, ctx.timeout);
    if (!r) {
      o.refused = refused(r.error());
      o.note = r.error();
    } else {
      o.answered = is_stun_answer(r->response, id);
      if (!o.answered) o.note = "the answer is not a STUN Binding response";
    }
    return;
  }
  std::optional<net::TlsClientOptions> tls;
  if (o.method == diag::ProbeMethod::tls) tls = net::TlsClientOptions{ctx.server_host, {}, false};
  auto conn = net::StreamClient::connect(to, ctx.timeout, tls);
  if (!conn) {
    o.refused = refused(conn.error());
    o.note = conn.error();
    return;
  }
  auto& c = **conn;
  if (o.method == diag::ProbeMethod::tls || o.method == diag::ProbeMethod::connect) {
    o.answered = true;  // the handshake (or the connection) completed: the service is there
    return;
  }
  Bytes request;
  std::function<bool(ByteView)> complete;
  if (o.method == diag::ProbeMethod::sip) {
    t.sip_sent = diag::build_sip_probe(sip_params(ctx, Transport::tcp, local_of(c.native_handle()), o.port, nonce));
    request.assign(t.sip_sent.begin(), t.sip_sent.end());
    complete = [](ByteView b) { return is_sip_answer(b) && as_chars(b).find("\r\n") != std::string_view::npos; };
  } else if (o.method == diag::ProbeMethod::xmpp) {
    const std::string header = "<?xml version='1.0'?><stream:stream to='" + ctx.server_host +
                               "' version='1.0' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>";
    request.assign(header.begin(), header.end());
    complete = [](ByteView b) {
      auto s = as_chars(b);
      return s.find("<stream:features") != std::string_view::npos || s.find("<stream:error") != std::string_view::npos;
    };
  } else {
    diag::Probe p;
    p.kind = diag::ProbeKind::echo_request;
    p.token = ctx.token;
    p.client_port = local_of(c.native_handle()).port;
    p.server_port = o.port;
    request = diag::encode_probe(p);
    complete = [&ctx, port = o.port](ByteView b) { return is_echo_answer(b, ctx, port); };
  }
  if (auto w = c.write_all(request, ctx.timeout); !w) {
    o.note = w.error();
    return;
  }
  o.answered = read_answer(c, deadline, complete, o.note);
  if (o.answered) o.note.clear();
}

}  // namespace

void probe_tcp(const ProbeContext& ctx, std::vector<ProbeTarget*> targets, Rng& rng) {
  std::vector<std::thread> threads;
  for (auto* t : targets) {
    // The generator is not thread-safe: draw everything here.
    auto nonce = nonce_from(rng);
    auto id = stun::TransactionId::random(rng);
    threads.emplace_back([&ctx, t, nonce, id] { probe_one_tcp(ctx, *t, nonce, id); });
  }
  for (auto& th : threads) th.join();
}

void listen_inbound_tcp(const ProbeContext& ctx, std::vector<ProbeTarget*> targets) {
  for (auto* t : targets) {
    // The server's probes come from its address: over IPv6 to an IPv6 port.
    int fd = ::socket(family_of(ctx.server.ip), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (fd < 0 || !bind_port(fd, ctx.server.ip, t->obs.port) || ::listen(fd, 4) != 0) {
      if (fd >= 0) ::close(fd);
      t->obs.local_port_busy = true;
      continue;
    }
    t->inbound_fd = fd;
  }
}

void await_inbound(const ProbeContext& ctx, std::vector<ProbeTarget*> targets) {
  const Instant deadline = Clock::now() + ctx.timeout;
  std::uint8_t buf[2048];
  auto matches = [&](ByteView b, std::uint16_t port) {
    auto p = diag::parse_probe(b);
    return p && p->kind == diag::ProbeKind::inbound && p->token == ctx.token && p->client_port == port;
  };
  for (;;) {
    std::vector<pollfd> fds;
    std::vector<ProbeTarget*> waiting;
    for (auto* t : targets)
      if (t->inbound_fd >= 0 && !t->obs.unsolicited_arrived) {
        fds.push_back({t->inbound_fd, POLLIN, 0});
        waiting.push_back(t);
      }
    const auto now = Clock::now();
    if (fds.empty() || now >= deadline) return;
    const auto ms = std::chrono::ceil<std::chrono::milliseconds>(deadline - now).count();
    if (::poll(fds.data(), fds.size(), static_cast<int>(ms)) <= 0) continue;
    for (std::size_t i = 0; i < fds.size(); ++i) {
      if (!(fds[i].revents & POLLIN)) continue;
      auto* t = waiting[i];
      if (t->obs.entry.proto == diag::Proto::udp) {
        ssize_t n;
        while ((n = ::recv(t->inbound_fd, buf, sizeof buf, 0)) >= 0)
          if (matches(ByteView(buf, static_cast<std::size_t>(n)), t->obs.port)) t->obs.unsolicited_arrived = true;
        continue;
      }
      int c = ::accept4(t->inbound_fd, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) continue;
      timeval tv{1, 0};
      ::setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      const auto n = ::recv(c, buf, diag::probe_inbound_size, MSG_WAITALL);
      if (n > 0 && matches(ByteView(buf, static_cast<std::size_t>(n)), t->obs.port)) t->obs.unsolicited_arrived = true;
      ::close(c);
    }
  }
}

}  // namespace confab::client
