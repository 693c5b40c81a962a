#include "client/portcheck_command.hpp"

#include <cstdio>
#include <fstream>
#include <iostream>
#include <optional>
#include <set>
#include <thread>

#include "client/exit_codes.hpp"
#include "client/portcheck_probes.hpp"
#include "core/text.hpp"
#include "net/port_range.hpp"
#include "net/resolve.hpp"
#include "net/stream_client.hpp"

namespace confab::client {

namespace {

// The control connection: one command line out, reply lines in.
class ControlSession {
 public:
  static Result<ControlSession, std::string> open(const SocketAddress& server, Duration timeout) {
    auto c = net::StreamClient::connect(server, timeout, std::nullopt);
    if (!c) return unexpected(c.error());
    ControlSession s;
    s.conn_ = std::move(*c);
    s.timeout_ = timeout;
    return s;
  }
  Result<std::monostate, std::string> send(const diag::Command& c) {
    const std::string line = diag::format_command(c) + "\n";
    return conn_->write_all(as_bytes(line), timeout_);
  }
  Result<diag::Reply, std::string> read() {
    const Instant deadline = Clock::now() + timeout_ * 3;
    for (;;) {
      if (auto eol = buffer_.find('\n'); eol != std::string::npos) {
        std::string line = buffer_.substr(0, eol);
        buffer_.erase(0, eol + 1);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        auto r = diag::parse_reply(line);
        if (!r) return unexpected("the server's answer \"" + printable(line, 80) + "\": " + r.error().message());
        return *r;
      }
      if (Clock::now() >= deadline) return unexpected(std::string("the server did not answer in time"));
      auto got = conn_->read_some(std::chrono::duration_cast<Duration>(deadline - Clock::now()));
      if (!got) return unexpected(got.error());
      buffer_.append(as_chars(*got));
      if (buffer_.size() > 1 << 20) return unexpected(std::string("the server's answer is too long"));
    }
  }
  // A command and its one reply; an ERR reply is an error.
  Result<diag::Reply, std::string> ask(const diag::Command& c) {
    if (auto s = send(c); !s) return unexpected(s.error());
    auto r = read();
    if (r && r->kind == diag::ReplyKind::error) return unexpected("the server refused \"" + diag::format_command(c) + "\": " + r->text);
    return r;
  }

 private:
  std::unique_ptr<net::StreamClient> conn_;
  std::string buffer_;
  Duration timeout_{};
};

constexpr std::size_t max_targets = 1024;

struct Hello {
  ControlSession session;
  diag::Reply welcome;                                   // SESSION
  std::optional<std::vector<diag::CatalogEntry>> catalog;  // CATALOG (PORTCHECK 2), nullopt from an older server
};
struct HelloError {
  std::string text;
  int exit_code = exit_protocol;
};

// PORTCHECK 2, which brings the server's catalog; a server from before
// version 2 refuses it ("unsupported version") and closes, so start over
// with PORTCHECK 1 on a new connection.
Result<Hello, HelloError> say_hello(const SocketAddress& server, Duration timeout) {
  for (int version = diag::control_version; version >= diag::control_min_version; --version) {
    auto session = ControlSession::open(server, timeout);
    if (!session)
      return unexpected(HelloError{"cannot reach the port check at " + server.to_string() + ": " + session.error() +
                                       " (is confabd running there with portcheck.enabled, and is TCP " +
                                       std::to_string(server.port) + " let through?)",
                                   exit_unreachable});
    diag::Command hello;
    hello.version = version;
    if (auto sent = session->send(hello); !sent) return unexpected(HelloError{sent.error()});
    auto welcome = session->read();
    if (!welcome) return unexpected(HelloError{welcome.error()});
    if (welcome->kind == diag::ReplyKind::error && welcome->text.rfind("unsupported version", 0) == 0 &&
        version > diag::control_min_version)
      continue;
    if (welcome->kind == diag::ReplyKind::error)
      return unexpected(HelloError{"the server refused a session: " + welcome->text});
    if (welcome->kind != diag::ReplyKind::session) return unexpected(HelloError{"the server did not open a session"});
    Hello h{std::move(*session), std::move(*welcome), std::nullopt};
    if (version >= 2) {
      auto cat = h.session.read();
      if (!cat) return unexpected(HelloError{cat.error()});
      if (cat->kind != diag::ReplyKind::catalog)
        return unexpected(HelloError{"the server did not send its port catalog after SESSION"});
      h.catalog = std::move(cat->catalog);
    }
    return h;
  }
  return unexpected(HelloError{"no protocol version in common with the server"});
}

// "sip" selects sip, sip-tcp and sip-tls; "bonjour" selects mdns too.
std::string group_of(const std::string& service) {
  if (service == "mdns") return "bonjour";
  return service.substr(0, service.find('-'));
}

bool selected(const diag::CatalogEntry& e, std::uint16_t port, const std::set<std::string>& only,
              const std::vector<net::PortRange>& ports) {
  if (!only.empty() && !only.count(e.service) && !only.count(group_of(e.service)) &&
      !(only.count("stun") && group_of(e.service) == "reflector"))
    return false;
  if (ports.empty()) return true;
  return std::any_of(ports.begin(), ports.end(), [&](const net::PortRange& r) { return port >= r.first && port <= r.last; });
}

}  // namespace

int run_portcheck(const PortcheckCliOptions& o) {
  auto media = net::PortRange::parse(o.media_ports);
  if (!media) {
    std::fprintf(stderr, "confab portcheck: --media-ports %s: expected FIRST-LAST\n", o.media_ports.c_str());
    return exit_usage;
  }
  std::vector<net::PortRange> ports;
  if (!o.ports.empty())
    for (const auto& p : split_list(o.ports)) {
      auto r = net::PortRange::parse(p);
      if (!r) {
        std::fprintf(stderr, "confab portcheck: --ports: \"%s\" is not a port or FIRST-LAST\n", p.c_str());
        return exit_usage;
      }
      ports.push_back(*r);
    }
  std::set<std::string> only;
  if (!o.only.empty())
    for (const auto& s : split_list(o.only)) only.insert(ascii_lower(s));
  auto control_addr = net::resolve(o.server, o.control_port);
  if (!control_addr) {
    std::fprintf(stderr, "confab portcheck: %s\n", control_addr.error().c_str());
    return exit_usage;
  }
  ProbeContext ctx;
  ctx.server = *control_addr;
  // host[:port], [v6]:port or a bare IPv6 address (its colons are not a port).
  const bool bare_v6 = o.server.find(':') != o.server.rfind(':') && o.server.front() != '[';
  ctx.server_host = o.server.substr(0, o.server.rfind(':') == std::string::npos || o.server.front() == '[' || bare_v6
                                           ? o.server.size()
                                           : o.server.rfind(':'));
  if (ctx.server_host.front() == '[') ctx.server_host = ctx.server_host.substr(1, ctx.server_host.find(']') - 1);
  ctx.timeout = std::chrono::duration_cast<Duration>(std::chrono::duration<double>(o.timeout));

  auto hello = say_hello(ctx.server, ctx.timeout);
  if (!hello) {
    std::fprintf(stderr, "confab portcheck: %s\n", hello.error().text.c_str());
    return hello.error().exit_code;
  }
  auto* session = &hello->session;
  const auto& welcome = hello->welcome;
  ctx.token = welcome.token;

  // The server's running catalog (PORTCHECK 2), else the defaults. The
  // control port is the one we reached; --media-ports, when given, is
  // this machine's media range.
  std::vector<diag::CatalogEntry> catalog;
  if (hello->catalog) {
    catalog = *hello->catalog;
  } else {
    std::fprintf(stderr, "confab portcheck: note: the server does not send its ports (a confabd from before "
                         "PORTCHECK 2): testing the default ports\n");
    catalog = diag::port_catalog();
  }
  for (auto& e : catalog) {
    if (e.service == "portcheck") e.first = e.last = ctx.server.port;
    if (e.service == "media" && o.media_ports != PortcheckCliOptions{}.media_ports) e.first = media->first, e.last = media->last;
  }
  std::vector<ProbeTarget> targets;
  for (const auto& e : catalog)
    for (std::uint32_t p = e.first; p <= e.last; ++p) {
      if (!selected(e, static_cast<std::uint16_t>(p), only, ports)) continue;
      ProbeTarget t;
      t.obs.entry = e;
      t.obs.port = static_cast<std::uint16_t>(p);
      t.obs.method = diag::probe_method(e);
      t.obs.inbound_tested = !o.no_inbound && e.direction == diag::Direction::peer_to_peer;
      targets.push_back(std::move(t));
    }
  if (targets.empty()) {
    std::fprintf(stderr, "confab portcheck: --only/--ports leave no port to test\n");
    return exit_usage;
  }
  if (targets.size() > max_targets) {  // each is a socket here: a catalog from a broken server must not exhaust them
    std::fprintf(stderr, "confab portcheck: the server's catalog has %zu ports to test (at most %zu); choose some with --only or --ports\n",
                 targets.size(), max_targets);
    return exit_protocol;
  }

  // Echo ports: ask the server to open each catalog range we test.
  for (const auto& e : catalog) {
    if (diag::probe_method(e) != diag::ProbeMethod::echo) continue;
    std::vector<ProbeTarget*> mine;
    for (auto& t : targets)
      if (t.obs.entry.service == e.service && t.obs.entry.proto == e.proto && t.obs.port >= e.first && t.obs.port <= e.last)
        mine.push_back(&t);
    if (mine.empty()) continue;
    diag::Command open;
    open.verb = diag::Verb::open;
    open.proto = e.proto;
    open.first = mine.front()->obs.port;
    open.last = mine.back()->obs.port;
    auto r = session->ask(open);
    if (!r || r->kind != diag::ReplyKind::opened) {
      std::fprintf(stderr, "confab portcheck: %s\n", r ? "unexpected answer to OPEN" : r.error().c_str());
      return exit_protocol;
    }
    for (auto* t : mine) {
      const bool unavailable = std::count(r->unavailable.begin(), r->unavailable.end(), t->obs.port) > 0;
      t->obs.server_unavailable = unavailable;
      if (!unavailable) t->obs.server_saw = false;  // until REPORT says otherwise
    }
  }

  SystemRng rng;
  std::vector<ProbeTarget*> udp, tcp, inbound_tcp;
  for (auto& t : targets) {
    if (t.obs.method == diag::ProbeMethod::control) {
      t.obs.answered = true;  // we are talking to it
      continue;
    }
    if (t.obs.method == diag::ProbeMethod::connect && t.obs.entry.proto == diag::Proto::udp) continue;  // untested
    if (t.obs.method == diag::ProbeMethod::sip) t.obs.server_saw = false;
    if (t.obs.server_unavailable) continue;
    (t.obs.entry.proto == diag::Proto::udp ? udp : tcp).push_back(&t);
    if (t.obs.inbound_tested && t.obs.entry.proto == diag::Proto::tcp) inbound_tcp.push_back(&t);
  }
  std::thread tcp_thread([&] { probe_tcp(ctx, tcp, rng); });
  SystemRng udp_rng;  // one generator per thread
  probe_udp(ctx, udp, udp_rng);
  tcp_thread.join();

  // Inbound: the server sends to each peer-to-peer port, unsolicited.
  listen_inbound_tcp(ctx, inbound_tcp);
  std::vector<ProbeTarget*> inbound;
  for (auto& t : targets) {
    if (!t.obs.inbound_tested || t.inbound_fd < 0) continue;
    diag::Command c;
    c.verb = diag::Verb::inbound;
    c.proto = t.obs.entry.proto;
    c.first = c.last = t.obs.port;
    auto r = session->ask(c);
    if (!r) {
      std::fprintf(stderr, "confab portcheck: %s\n", r.error().c_str());
      return exit_protocol;
    }
    inbound.push_back(&t);
  }
  await_inbound(ctx, inbound);

  // What reached the server.
  diag::Command report_cmd;
  report_cmd.verb = diag::Verb::report;
  if (auto s = session->send(report_cmd); !s) {
    std::fprintf(stderr, "confab portcheck: %s\n", s.error().c_str());
    return exit_protocol;
  }
  for (;;) {
    auto r = session->read();
    if (!r) {
      std::fprintf(stderr, "confab portcheck: %s\n", r.error().c_str());
      return exit_protocol;
    }
    if (r->kind == diag::ReplyKind::end) break;
    for (auto& t : targets) {
      if (t.obs.entry.proto != r->proto) continue;
      if (r->kind == diag::ReplyKind::seen && t.obs.method == diag::ProbeMethod::echo && t.obs.port == r->server_port)
        t.obs.server_saw = true;
      if (r->kind == diag::ReplyKind::sip && t.obs.method == diag::ProbeMethod::sip && !t.sip_sent.empty() &&
          !*t.obs.server_saw) {
        t.obs.server_saw = true;
        t.obs.changes = diag::diff_sip(t.sip_sent, as_chars(r->message));
      }
    }
  }
  diag::Command bye;
  bye.verb = diag::Verb::bye;
  (void)session->send(bye);

  std::vector<diag::PortObservation> observations;
  for (auto& t : targets) observations.push_back(t.obs);
  auto report = diag::evaluate(observations);
  report.server = o.server;
  report.control = ctx.server.to_string();
  report.public_ip = welcome.client_ip;
  report.catalog = hello->catalog ? "server" : "defaults";
  if (!o.html.empty()) {
    std::ofstream f(o.html);
    f << diag::render_html(report);
    if (!f) {
      std::fprintf(stderr, "confab portcheck: cannot write %s\n", o.html.c_str());
      return exit_internal;
    }
  }
  std::cout << (o.json ? diag::render_json(report) : diag::render_table(report)) << std::flush;
  return diag::has_problems(report) ? exit_blocked : exit_ok;
}

}  // namespace confab::client
