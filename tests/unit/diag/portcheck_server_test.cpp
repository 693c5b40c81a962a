// The port-check core, driven with a fake clock: sessions, echo ports opened
// and closed on demand, echoes only for a live session from its own
// address, inbound probes only to that address, limits and expiry.
#include <gtest/gtest.h>

#include <set>

#include "diag/portcheck_server.hpp"
#include "diag/sip_probe.hpp"

namespace confab::diag {
namespace {

const SocketAddress client = *SocketAddress::parse("198.51.100.1:40000");
const SocketAddress stranger = *SocketAddress::parse("198.51.100.99:40000");

struct Harness {
  explicit Harness(PortcheckServerConfig c = defaults()) : server(std::move(c), rng) {}
  static PortcheckServerConfig defaults() {
    PortcheckServerConfig c;
    c.catalog = port_catalog();
    for (const auto& e : c.catalog)
      if (e.direction == Direction::to_server)
        for (std::uint32_t p = e.first; p <= e.last; ++p) c.served.insert({e.proto, static_cast<std::uint16_t>(p)});
    return c;
  }

  // Runs the adapter's side: opens ports (failing those in `busy`), and
  // returns the lines sent on control connection `c`.
  std::vector<std::string> drain(ControlId c) {
    std::vector<std::string> lines;
    while (auto a = server.poll_action()) {
      switch (a->kind) {
        case PortcheckAction::Kind::control_reply:
          if (a->control == c) lines.push_back(a->text);
          break;
        case PortcheckAction::Kind::close_control: closed.insert(a->control); break;
        case PortcheckAction::Kind::open_port: {
          const bool ok = !busy.count(a->port);
          if (ok) open.insert({a->proto, a->port});
          server.handle_port_result(now, a->proto, a->port, ok);
          break;
        }
        case PortcheckAction::Kind::close_port: open.erase({a->proto, a->port}); break;
        case PortcheckAction::Kind::connect_inbound: connects.push_back(*a); break;
      }
    }
    return lines;
  }
  std::string ask(ControlId c, std::string_view line) {
    server.handle_control_line(now, c, line);
    auto lines = drain(c);
    std::string out;
    for (const auto& l : lines) out += (out.empty() ? "" : "\n") + l;
    return out;
  }
  Token start(ControlId c, const SocketAddress& from = client) {
    server.handle_control_opened(now, c, from);
    auto r = parse_reply(ask(c, "PORTCHECK 1"));
    EXPECT_TRUE(r && r->kind == ReplyKind::session);
    return r ? r->token : Token{};
  }
  Datagram echo(const Token& t, std::uint16_t server_port, const SocketAddress& from = client) {
    Probe p;
    p.token = t;
    p.client_port = 16390;
    p.server_port = server_port;
    bytes = encode_probe(p);
    return Datagram{Transport::udp, SocketAddress{IpAddress{}, server_port}, from, bytes};
  }

  SeededRng rng{7};
  PortcheckServer server;
  Instant now{};
  std::set<std::uint16_t> busy;
  std::set<std::pair<Proto, std::uint16_t>> open;
  std::set<ControlId> closed;
  std::vector<PortcheckAction> connects;
  Bytes bytes;
};

TEST(PortcheckServer, ASessionOpensTheMediaRangeAndEchoesWithTheObservedAddress) {
  Harness h;
  auto t = h.start(1);
  EXPECT_EQ(h.ask(1, "OPEN udp 16384-16403"), "OPENED udp 16384-16403");
  EXPECT_EQ(h.open.size(), 20u);
  h.server.handle_datagram(h.now, h.echo(t, 16390));
  auto out = h.server.poll_transmit();
  ASSERT_TRUE(out);
  EXPECT_EQ(out->remote, client);
  EXPECT_EQ(out->local.port, 16390);
  EXPECT_LE(out->bytes.size(), h.bytes.size());
  auto reply = parse_probe(out->bytes);
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->kind, ProbeKind::echo_reply);
  EXPECT_EQ(reply->observed, client);
  EXPECT_EQ(h.ask(1, "REPORT"), "SEEN udp 16390 16390 198.51.100.1:40000\nEND");
}

TEST(PortcheckServer, Version2SessionsAreToldTheRunningCatalog) {
  PortSettings settings;
  settings.sip_port = 5070;
  auto config = Harness::defaults();
  config.catalog = port_catalog(settings);
  Harness h(config);
  h.server.handle_control_opened(h.now, 1, client);
  h.server.handle_control_line(h.now, 1, "PORTCHECK 2");
  auto lines = h.drain(1);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(parse_reply(lines[0])->kind, ReplyKind::session);
  auto cat = parse_reply(lines[1]);
  ASSERT_TRUE(cat) << cat.error().message();
  ASSERT_EQ(cat->kind, ReplyKind::catalog);
  ASSERT_EQ(cat->catalog.size(), config.catalog.size());
  for (std::size_t i = 0; i < cat->catalog.size(); ++i) {
    EXPECT_EQ(cat->catalog[i].service, config.catalog[i].service);
    EXPECT_EQ(cat->catalog[i].first, config.catalog[i].first);
    EXPECT_EQ(cat->catalog[i].last, config.catalog[i].last);
  }
  // Version 1 (older clients) gets the SESSION line alone.
  h.server.handle_control_opened(h.now, 2, client);
  EXPECT_EQ(parse_reply(h.ask(2, "PORTCHECK 1"))->kind, ReplyKind::session);
  // Unknown versions are refused with the words a client falls back on.
  h.server.handle_control_opened(h.now, 3, client);
  EXPECT_EQ(h.ask(3, "PORTCHECK 3").rfind("ERR unsupported version", 0), 0u);
  EXPECT_TRUE(h.closed.count(3));
}

TEST(PortcheckServer, ProbesFromAnotherAddressOrWithAnUnknownTokenGetNoAnswer) {
  Harness h;
  auto t = h.start(1);
  h.ask(1, "OPEN udp 16384-16403");
  h.server.handle_datagram(h.now, h.echo(t, 16390, stranger));
  Token wrong = t;
  wrong[0] ^= 1;
  h.server.handle_datagram(h.now, h.echo(wrong, 16390));
  EXPECT_FALSE(h.server.poll_transmit());
  EXPECT_EQ(h.server.counters().dropped_unknown, 2u);
  Bytes garbage(64, 0x55);
  h.server.handle_datagram(h.now, Datagram{Transport::udp, {IpAddress{}, 16390}, client, garbage});
  EXPECT_FALSE(h.server.poll_transmit());
  EXPECT_EQ(h.server.counters().dropped_malformed, 1u);
}

TEST(PortcheckServer, OnlyCatalogPortsNotServedByConfabdAreOpened) {
  Harness h;
  h.start(1);
  EXPECT_EQ(h.ask(1, "OPEN udp 4000"), "ERR udp/4000 is not in this server's port catalog");
  EXPECT_EQ(h.ask(1, "OPEN udp 5060"), "OPENED udp 5060 unavailable 5060");  // the SIP service's port
  EXPECT_TRUE(h.open.empty());
  EXPECT_FALSE(h.closed.count(1));  // a refused OPEN does not end the session
}

TEST(PortcheckServer, APortTheHostCannotBindIsReportedUnavailable) {
  Harness h;
  h.busy = {5353};
  h.start(1);
  EXPECT_EQ(h.ask(1, "OPEN udp 5353"), "OPENED udp 5353 unavailable 5353");
  EXPECT_EQ(h.server.open_ports(), 0u);
}

TEST(PortcheckServer, EchoPortsCloseWhenTheLastSessionUsingThemEnds) {
  Harness h;
  h.start(1);
  h.start(2);
  h.ask(1, "OPEN udp 16384-16385");
  h.ask(2, "OPEN udp 16385-16386");
  EXPECT_EQ(h.open.size(), 3u);
  h.server.handle_control_closed(h.now, 1);
  h.drain(0);
  EXPECT_EQ(h.open, (std::set<std::pair<Proto, std::uint16_t>>{{Proto::udp, 16385}, {Proto::udp, 16386}}));
  h.server.handle_control_closed(h.now, 2);
  h.drain(0);
  EXPECT_TRUE(h.open.empty());
}

TEST(PortcheckServer, SessionsExpireAndTakeTheirPortsWithThem) {
  Harness h;
  auto t = h.start(1);
  h.ask(1, "OPEN tcp 5298");
  ASSERT_TRUE(h.server.poll_timeout());
  h.now = *h.server.poll_timeout();
  h.server.handle_timeout(h.now);
  auto lines = h.drain(1);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0], "ERR session expired");
  EXPECT_TRUE(h.closed.count(1));
  EXPECT_TRUE(h.open.empty());
  EXPECT_FALSE(h.server.handle_stream_probe(h.now, 5298, client, h.echo(t, 5298).bytes));
}

TEST(PortcheckServer, AConnectionThatNeverSaysHelloIsClosed) {
  Harness h;
  h.server.handle_control_opened(h.now, 1, client);
  h.now += std::chrono::seconds(11);
  h.server.handle_timeout(h.now);
  h.drain(1);
  EXPECT_TRUE(h.closed.count(1));
}

TEST(PortcheckServer, SessionsAreCappedPerAddressAndInTotal) {
  auto c = Harness::defaults();
  c.sessions_per_address = 2;
  c.max_sessions = 3;
  Harness h(c);
  h.start(1);
  h.start(2);
  h.server.handle_control_opened(h.now, 3, client);
  EXPECT_EQ(h.ask(3, "PORTCHECK 1").substr(0, 8), "ERR busy");
  h.start(4, stranger);
  h.server.handle_control_opened(h.now, 5, *SocketAddress::parse("198.51.100.50:1"));
  EXPECT_EQ(h.ask(5, "PORTCHECK 1").substr(0, 8), "ERR busy");
  EXPECT_EQ(h.server.counters().sessions_refused, 2u);
}

TEST(PortcheckServer, NewSessionsAreRateLimitedPerAddress) {
  auto c = Harness::defaults();
  c.session_rate = {1, 2, 100};
  Harness h(c);
  for (ControlId id = 1; id <= 2; ++id) {
    h.start(id);
    h.server.handle_control_closed(h.now, id);
  }
  h.server.handle_control_opened(h.now, 3, client);
  EXPECT_EQ(h.ask(3, "PORTCHECK 1").substr(0, 16), "ERR rate limited");
}

TEST(PortcheckServer, InboundUdpGoesToTheMappingTheEchoCameFromAndFromAnotherPort) {
  Harness h;
  auto t = h.start(1);
  h.ask(1, "OPEN udp 16384-16403");
  h.server.handle_datagram(h.now, h.echo(t, 16390));  // client port 16390, seen as 198.51.100.1:40000
  (void)h.server.poll_transmit();
  EXPECT_EQ(h.ask(1, "INBOUND udp 16390"), "SENT udp 16390 198.51.100.1:40000");
  auto out = h.server.poll_transmit();
  ASSERT_TRUE(out);
  EXPECT_EQ(out->local.port, unsolicited_port);
  EXPECT_EQ(out->remote, client);
  auto p = parse_probe(out->bytes);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->kind, ProbeKind::inbound);
  EXPECT_EQ(p->token, t);
  // A port the client never sent from: straight to its address.
  EXPECT_EQ(h.ask(1, "INBOUND udp 16391"), "SENT udp 16391 198.51.100.1:16391");
}

TEST(PortcheckServer, InboundTcpConnectsToTheSessionsOwnAddressOnly) {
  Harness h;
  h.start(1);
  EXPECT_EQ(h.ask(1, "INBOUND tcp 5298"), "SENT tcp 5298 198.51.100.1:5298");
  ASSERT_EQ(h.connects.size(), 1u);
  EXPECT_EQ(h.connects[0].remote.ip, client.ip);
}

TEST(PortcheckServer, InboundProbesAreCappedPerSession) {
  auto c = Harness::defaults();
  c.max_inbound = 2;
  Harness h(c);
  h.start(1);
  h.ask(1, "INBOUND udp 16384");
  h.ask(1, "INBOUND udp 16385");
  EXPECT_EQ(h.ask(1, "INBOUND udp 16386"), "ERR too many inbound probes for one session");
}

TEST(PortcheckServer, CommandsBeforeHelloEndTheConnection) {
  Harness h;
  h.server.handle_control_opened(h.now, 1, client);
  EXPECT_EQ(h.ask(1, "OPEN udp 16384"), "ERR say PORTCHECK 1 first");
  EXPECT_TRUE(h.closed.count(1));
}

TEST(PortcheckServer, TcpEchoAnswersTheSessionOnItsOpenedPort) {
  Harness h;
  auto t = h.start(1);
  EXPECT_EQ(h.ask(1, "OPEN tcp 5298"), "OPENED tcp 5298");
  auto d = h.echo(t, 5298);
  auto reply = h.server.handle_stream_probe(h.now, 5298, client, d.bytes);
  ASSERT_TRUE(reply);
  EXPECT_LE(reply->size(), d.bytes.size());
  EXPECT_FALSE(h.server.handle_stream_probe(h.now, 5299, client, d.bytes));  // not opened for it
}

TEST(PortcheckServer, ASipProbeIsReportedAsReceived) {
  Harness h;
  auto t = h.start(1);
  SipProbeParams p;
  p.local = client;
  p.server_host = "203.0.113.10";
  p.token = t;
  p.nonce = "0123456789abcdef01234567";
  auto text = build_sip_probe(p);
  h.server.handle_sip_probe(h.now, Transport::udp, client, as_bytes(text));
  h.server.handle_sip_probe(h.now, Transport::udp, stranger, as_bytes(text));  // not the session's address
  auto lines = h.ask(1, "REPORT");
  auto first = parse_reply(lines.substr(0, lines.find('\n')));
  ASSERT_TRUE(first);
  ASSERT_EQ(first->kind, ReplyKind::sip);
  EXPECT_EQ(as_chars(first->message), text);
  EXPECT_EQ(lines.substr(lines.find('\n') + 1), "END");
}

}  // namespace
}  // namespace confab::diag
