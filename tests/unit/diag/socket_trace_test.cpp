// The kernel's socket trace lines (tracefs text, record-tgid on) as
// `confab ports --watch` reads them, and the watch fed trace events between
// polls: what a poll would miss is reported, and once.
#include <gtest/gtest.h>

#include "diag/socket_trace.hpp"
#include "diag/socket_watch.hpp"

namespace confab::diag {
namespace {

// Lines as a 6.18 kernel wrote them.
constexpr const char* udp_send =
    "         python3-20635   (  20635) [000] ..... 55717.488591: fib_table_lookup: table 254 oif 0 iif 1 "
    "proto 17 0.0.0.0/44082 -> 127.0.0.1/5399 tos 0 scope 0 flags 0 ==> dev lo gw 0.0.0.0/:: err 0";
constexpr const char* icmp_in_softirq =
    "         python3-20635   (  20635) [000] b.s2. 55717.488694: fib_table_lookup: table 254 oif 0 iif 1 "
    "proto 1 127.0.0.1/0 -> 127.0.0.1/0 tos 192 scope 0 flags 0 ==> dev lo gw 0.0.0.0/:: err 0";
constexpr const char* udp6_send =
    "         python3-20635   (  20635) [000] ..... 55717.488802: fib6_table_lookup: table 255 oif 0 iif 1 "
    "proto 17 ::/44051 -> ::1/5398 flowlabel 0x0 tos 0 scope 0 flags 0 ==> dev lo gw :: err 0";
constexpr const char* tcp_lookup_before_port =
    "         python3-21350   (  21350) [001] ..... 55739.190644: fib_table_lookup: table 254 oif 0 iif 1 "
    "proto 6 127.0.0.1/0 -> 127.0.0.1/40529 tos 0 scope 0 flags 8 ==> dev lo gw 0.0.0.0/:: err 0";
constexpr const char* tcp_connect =
    "  confab worker-1-21351   (  21350) [001] ..... 55739.190656: fib_table_lookup: table 254 oif 0 iif 1 "
    "proto 6 127.0.0.1/44480 -> 127.0.0.1/40529 tos 0 scope 0 flags 8 ==> dev lo gw 0.0.0.0/:: err 0";
constexpr const char* listen =
    "         confabd-21350   (  21350) [001] ..... 55739.190551: inet_sock_set_state: family=AF_INET "
    "protocol=IPPROTO_TCP sport=5222 dport=0 saddr=127.0.0.1 daddr=0.0.0.0 saddrv6=::ffff:127.0.0.1 "
    "daddrv6=::ffff:0.0.0.0 oldstate=TCP_CLOSE newstate=TCP_LISTEN";
constexpr const char* accept_in_softirq =
    "          <idle>-0       (-------) [001] ..s2. 55739.190734: inet_sock_set_state: family=AF_INET6 "
    "protocol=IPPROTO_TCP sport=5222 dport=44480 saddr=0.0.0.0 daddr=0.0.0.0 saddrv6=2001:db8::1 "
    "daddrv6=2001:db8::2 oldstate=TCP_SYN_RECV newstate=TCP_ESTABLISHED";
constexpr const char* fin =
    "         python3-21350   (  21350) [001] ..... 55739.190765: inet_sock_set_state: family=AF_INET "
    "protocol=IPPROTO_TCP sport=40529 dport=44480 saddr=127.0.0.1 daddr=127.0.0.1 saddrv6=::ffff:127.0.0.1 "
    "daddrv6=::ffff:127.0.0.1 oldstate=TCP_ESTABLISHED newstate=TCP_FIN_WAIT1";
constexpr const char* bind_ok = "         python3-21350   (  21350) [001] ..... 55739.190502: sys_bind -> 0x0";
constexpr const char* bind_failed =
    "         python3-21350   (  21350) [001] ..... 55739.190502: sys_bind -> 0xffffffffffffff9e";

TEST(SocketTraceLine, AUdpSendInTaskContextIsASendWithBothEnds) {
  auto e = parse_socket_trace_line(udp_send);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->comm, "python3");
  EXPECT_EQ(e->tid, 20635);
  EXPECT_EQ(e->tgid, 20635);
  EXPECT_FALSE(e->interrupt);
  EXPECT_NEAR(e->uptime, 55717.488591, 1e-6);
  EXPECT_EQ(e->kind, TraceKind::send);
  EXPECT_EQ(e->proto, Proto::udp);
  EXPECT_EQ(e->local.to_string(), "0.0.0.0:44082");
  EXPECT_EQ(e->remote.to_string(), "127.0.0.1:5399");

  auto v6 = parse_socket_trace_line(udp6_send);
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->remote.to_string(), "[::1]:5398");
  EXPECT_EQ(v6->local.port, 44051);
}

TEST(SocketTraceLine, LookupsWithoutPortsOrInInterruptsAreNoSocketEvents) {
  EXPECT_FALSE(parse_socket_trace_line(icmp_in_softirq));
  EXPECT_FALSE(parse_socket_trace_line(tcp_lookup_before_port));
  EXPECT_FALSE(parse_socket_trace_line(fin));
  EXPECT_FALSE(parse_socket_trace_line(bind_failed));
  EXPECT_FALSE(parse_socket_trace_line("# tracer: nop"));
  EXPECT_FALSE(parse_socket_trace_line(""));
  EXPECT_FALSE(parse_socket_trace_line("CPU:1 [LOST 42 EVENTS]"));
  EXPECT_FALSE(parse_socket_trace_line("python3-1 [000] ..... 1.0: fib_table_lookup: proto 17 x/1 -> y/2"));
}

TEST(SocketTraceLine, ATaskNameWithSpacesAndDashesKeepsItsThreadAndProcess) {
  auto e = parse_socket_trace_line(tcp_connect);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->comm, "confab worker-1");
  EXPECT_EQ(e->tid, 21351);
  EXPECT_EQ(e->tgid, 21350);
  EXPECT_EQ(e->kind, TraceKind::connect);
  EXPECT_EQ(e->proto, Proto::tcp);
  EXPECT_EQ(e->local.to_string(), "127.0.0.1:44480");
}

TEST(SocketTraceLine, ListenAcceptAndBindAreRead) {
  auto l = parse_socket_trace_line(listen);
  ASSERT_TRUE(l);
  EXPECT_EQ(l->kind, TraceKind::listen);
  EXPECT_EQ(l->local.to_string(), "127.0.0.1:5222");

  auto a = parse_socket_trace_line(accept_in_softirq);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->kind, TraceKind::accept);
  EXPECT_TRUE(a->interrupt);
  EXPECT_EQ(a->tgid, 0);  // "(-------)": no process to go by
  EXPECT_EQ(a->local.to_string(), "[2001:db8::1]:5222");
  EXPECT_EQ(a->remote.to_string(), "[2001:db8::2]:44480");

  auto b = parse_socket_trace_line(bind_ok);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->kind, TraceKind::bound);
}

TEST(SocketTraceLine, ALineWithoutTheTgidColumnStillParses) {
  auto e = parse_socket_trace_line(
      "  python3-20635 [000] ..... 55717.488591: fib_table_lookup: table 254 oif 0 iif 1 proto 17 "
      "0.0.0.0/44082 -> 192.0.2.1/5678 tos 0");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->tid, 20635);
  EXPECT_EQ(e->tgid, 0);
  EXPECT_EQ(e->remote.to_string(), "192.0.2.1:5678");
}

// The watch between polls.
const ProcessRef py{20635, "python3"};
const WallTime t0{std::chrono::seconds(1'700'000'000)};

std::vector<std::string> lines(const std::vector<WatchEvent>& events) {
  std::vector<std::string> out;
  for (const auto& e : events) out.push_back(e.process.name + " " + describe(e));
  return out;
}

TEST(SocketWatchTraced, ASocketOpenedAndClosedBetweenPollsIsReportedOnceThenSummarised) {
  SocketWatch w;
  const auto catalog = port_catalog();
  w.observe(t0, {{py}, {}});  // the first poll: the process holds nothing
  auto send = *parse_socket_trace_line(udp_send);
  send.remote = *SocketAddress::parse("127.0.0.1:5678");
  auto ev = w.observe_traced(t0, send, py, catalog);
  EXPECT_EQ(lines(ev), (std::vector<std::string>{"python3 sent udp 0.0.0.0:44082 \u2192 127.0.0.1:5678 (reflector)"}));
  EXPECT_TRUE(ev[0].traced);
  EXPECT_TRUE(w.observe_traced(t0, send, py, catalog).empty());  // the next datagram to the same place
  auto to_other = send;
  to_other.remote = *SocketAddress::parse("127.0.0.1:5679");
  EXPECT_EQ(w.observe_traced(t0, to_other, py, catalog).size(), 1u);
  // The next poll finds it gone: nothing to say about a socket it never saw.
  EXPECT_TRUE(w.observe(t0, {{py}, {}}).empty());
  const auto s = w.summary();
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].role, "send");
  EXPECT_EQ(s[0].endpoint, "127.0.0.1:5678");
  EXPECT_EQ(s[0].service, "reflector");
}

TEST(SocketWatchTraced, AnAcceptGoesToTheProcessListeningOnThatPort) {
  SocketWatch w;
  const auto catalog = port_catalog();
  const ProcessRef confabd{21350, "confabd"};
  w.observe(t0, {{confabd}, {}});
  auto a = *parse_socket_trace_line(accept_in_softirq);
  EXPECT_TRUE(w.observe_traced(t0, a, std::nullopt, catalog).empty());  // nobody listens on 5222 yet
  auto l = *parse_socket_trace_line(listen);
  EXPECT_EQ(lines(w.observe_traced(t0, l, confabd, catalog)),
            (std::vector<std::string>{"confabd listening tcp 127.0.0.1:5222 (xmpp)"}));
  EXPECT_EQ(lines(w.observe_traced(t0, a, std::nullopt, catalog)),
            (std::vector<std::string>{"confabd accepted tcp [2001:db8::1]:5222 \u2190 [2001:db8::2]:44480 (xmpp)"}));
}

TEST(SocketWatchTraced, APollThatFindsATracedSocketDoesNotReportItAgainButSeesItClose) {
  SocketWatch w;
  const auto catalog = port_catalog();
  w.observe(t0, {{py}, {}});
  auto c = *parse_socket_trace_line(tcp_connect);
  c.comm = "python3";
  c.tgid = py.pid;
  EXPECT_EQ(w.observe_traced(t0, c, py, catalog).size(), 1u);
  SocketRecord r;
  r.proto = Proto::tcp;
  r.local = c.local;
  r.remote = c.remote;
  r.state = static_cast<std::uint8_t>(SocketState::established);
  r.inode = 77;
  EXPECT_TRUE(w.observe(t0, {{py}, owned_sockets({r}, {{77, {py}}}, catalog)}).empty());
  EXPECT_EQ(lines(w.observe(t0, {{py}, {}})),
            (std::vector<std::string>{"python3 closed tcp 127.0.0.1:44480 \u2192 127.0.0.1:40529 ESTAB"}));
}

TEST(SocketWatchTraced, AProcessFirstSeenByTheTraceIsAnnouncedAsStarted) {
  SocketWatch w;
  const auto catalog = port_catalog();
  w.observe(t0, {{}, {}});
  auto ev = w.observe_traced(t0, *parse_socket_trace_line(udp_send), py, catalog);
  EXPECT_EQ(lines(ev), (std::vector<std::string>{"python3 started",
                                                 "python3 sent udp 0.0.0.0:44082 \u2192 127.0.0.1:5399"}));
  EXPECT_EQ(lines(w.observe(t0, {{}, {}})), (std::vector<std::string>{"python3 exited"}));
}

TEST(SocketWatchTraced, ASocketPolledWhileOnlyBoundIsReportedWhenItListens) {
  const auto catalog = port_catalog();
  SocketRecord bound;
  bound.proto = Proto::tcp;
  bound.local = *SocketAddress::parse("127.0.0.1:5222");
  bound.remote = *SocketAddress::parse("0.0.0.0:0");
  bound.state = static_cast<std::uint8_t>(SocketState::close);
  bound.inode = 9;
  const ProcessRef confabd{21350, "confabd"};
  {  // the trace's listen() after a poll of the bound socket
    SocketWatch w;
    w.observe(t0, {{confabd}, {}});
    EXPECT_EQ(lines(w.observe(t0, {{confabd}, owned_sockets({bound}, {{9, {confabd}}}, catalog)})),
              (std::vector<std::string>{"confabd opened tcp 127.0.0.1:5222 (xmpp)"}));
    EXPECT_EQ(lines(w.observe_traced(t0, *parse_socket_trace_line(listen), confabd, catalog)),
              (std::vector<std::string>{"confabd listening tcp 127.0.0.1:5222 (xmpp)"}));
  }
  {  // polls only: bound in one, listening in the next
    SocketWatch w;
    w.observe(t0, {{confabd}, {}});
    w.observe(t0, {{confabd}, owned_sockets({bound}, {{9, {confabd}}}, catalog)});
    auto listening = bound;
    listening.state = static_cast<std::uint8_t>(SocketState::listen);
    EXPECT_EQ(lines(w.observe(t0, {{confabd}, owned_sockets({listening}, {{9, {confabd}}}, catalog)})),
              (std::vector<std::string>{"confabd listening tcp 127.0.0.1:5222 (xmpp)"}));
  }
}

}  // namespace
}  // namespace confab::diag
