#pragma once
// What the kernel's trace events say about sockets, for `confab ports
// --watch`: polling sock_diag sees states, so a socket opened and closed
// between two polls would be missed. The kernel records these as they
// happen, in a tracefs instance (client/socket_trace_session.*), and we
// read its text lines here. Pure: no files, no clock.
//
// The events (tracefs format, with the record-tgid option, e.g.
//   "python3-20635 (20635) [000] ..... 55717.488591: fib_table_lookup: table 254 oif 0 iif 1 proto 17
//    0.0.0.0/44082 -> 127.0.0.1/5399 tos 0 ...")
//   sock:inet_sock_set_state  TCP: CLOSE→LISTEN is a listen(), SYN_RECV→ESTABLISHED an accepted
//                             connection (in softirq: the task is whoever ran, so the caller ties
//                             it to a process by its listening port)
//   fib:fib_table_lookup,     the route lookup of a send or connect, with both ports: in process
//   fib6:fib6_table_lookup    context it is the sending task's (UDP sendto/connect, TCP connect)
//   syscalls:sys_exit_bind    a bind() that worked: the caller reads the socket table at once
//                             (the event has no address)
// Lines of other events, lookups in interrupt context, and lookups without
// ports (ICMP, address checks) are not socket events: nullopt.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/address.hpp"
#include "diag/port_catalog.hpp"

namespace confab::diag {

enum class TraceKind : std::uint8_t {
  listen,  // a TCP listener on `local`
  accept,  // a TCP connection to `local` (a listening port) from `remote`
  connect, // a TCP connection from `local` to `remote`
  send,    // a UDP datagram (or connect) from `local` to `remote`
  bound,   // a bind() returned 0; no address in the event
};
const char* to_string(TraceKind k);

struct SocketTraceEvent {
  std::string comm;          // the task's name, as in /proc/<pid>/comm (15 bytes at most)
  std::int32_t tid = 0;      // the thread
  std::int32_t tgid = 0;     // its process (0 when the line has no tgid column)
  bool interrupt = false;    // ran in softirq/hardirq context: the task is not the socket's owner
  double uptime = 0;         // seconds since boot, the trace clock
  TraceKind kind = TraceKind::send;
  Proto proto = Proto::tcp;
  SocketAddress local;
  SocketAddress remote;
};

std::optional<SocketTraceEvent> parse_socket_trace_line(std::string_view line);

}  // namespace confab::diag
