#pragma once
// `confab ports --watch` as a sans-I/O machine: fed one snapshot of the
// watched processes and their sockets per poll (with the time it was
// taken), it reports what changed — a process started or exited, a socket
// opened, listening, connecting, connected, accepted or closed — and keeps
// a summary of every port each process touched (the Little Snitch view:
// "when confab starts it connects to 127.0.0.1:5222").
//
// A socket is identified by (pid, transport, inode): the inode lives as
// long as the socket. Polling sees states, not transitions: a socket opened
// and closed between two polls is not seen by observe(). The kernel's trace
// events see those (diag/socket_trace.hpp); observe_traced() takes them, and
// a socket both saw is reported once.
#include <chrono>
#include <cstddef>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "diag/socket_trace.hpp"
#include "diag/socket_view.hpp"

namespace confab::diag {

using WallTime = std::chrono::system_clock::time_point;

struct WatchSnapshot {
  std::vector<ProcessRef> processes;  // the watched processes alive now
  std::vector<OwnedSocket> sockets;   // their sockets
};

enum class WatchEventKind : std::uint8_t {
  present,     // held when the watch began
  started,     // a watched process appeared
  exited,      // ... and went away
  listening,   // a TCP listener
  opened,      // a bound socket that is neither listening nor connected (UDP)
  connecting,  // TCP SYN sent, no answer yet
  connected,   // an outgoing connection (TCP established, or a connect()ed UDP socket)
  accepted,    // an incoming connection on a port the process listens on
  closed,
  sent,        // a UDP datagram to a remote address (from the kernel trace)
};
const char* to_string(WatchEventKind k);

struct WatchEvent {
  WallTime at;
  WatchEventKind kind = WatchEventKind::present;
  ProcessRef process;
  std::optional<OwnedSocket> socket;  // none for started/exited
  bool incoming = false;              // a connection the process accepted (shown as local ← remote)
  bool traced = false;                // from the kernel trace rather than a poll
};

// "opened udp 0.0.0.0:16384 (media)", "connected tcp 127.0.0.1:40000 → 127.0.0.1:5222 (xmpp)",
// "started"; the caller puts the time and "confab pid 123" in front.
std::string describe(const WatchEvent& e);

// One line of the summary: a port a process touched.
struct PortTouch {
  std::string process;
  Proto proto = Proto::tcp;
  std::string role;      // "listen", "bind", "connect", "accept"
  std::string endpoint;  // the local address for listen/bind/accept, the remote one for connect
  std::string service;
  std::size_t sockets = 0;  // how many sockets did this
  WallTime first_seen;
};

class SocketWatch {
 public:
  std::vector<WatchEvent> observe(WallTime now, const WatchSnapshot& snapshot);
  // A socket event from the kernel trace. `owner` is the watched process
  // whose task it was; nullopt for an accepted connection (it completes in
  // interrupt context), which goes to the watched process listening on
  // that port, or nowhere. nullopt when there is nothing new to say (a
  // datagram to an address this socket already sent to) or nobody watched.
  // A process no poll has seen yet is announced as started first.
  std::vector<WatchEvent> observe_traced(WallTime now, const SocketTraceEvent& t, std::optional<ProcessRef> owner,
                                           const std::vector<CatalogEntry>& catalog);
  // In the order first seen.
  std::vector<PortTouch> summary() const;

 private:
  // What the trace reported, by (pid, transport, local port, remote): a
  // socket a later poll finds under the same key was reported already.
  using TracedKey = std::tuple<std::int32_t, Proto, std::uint16_t, SocketAddress>;
  std::optional<ProcessRef> listener_of(Proto proto, std::uint16_t port) const;
  using Key = std::tuple<std::int32_t, Proto, std::uint32_t>;  // pid, transport, inode
  void touch(const WatchEvent& e, WatchEventKind kind);

  bool first_ = true;
  std::map<std::int32_t, ProcessRef> processes_;
  struct Seen {
    OwnedSocket socket;
    bool incoming = false;
  };
  std::map<Key, Seen> sockets_;
  std::map<std::tuple<std::string, Proto, std::string, std::string>, std::size_t> touch_index_;
  std::vector<PortTouch> touches_;
  std::set<TracedKey> traced_;
  std::map<std::uint16_t, ProcessRef> traced_listeners_;  // TCP port → who listen()ed on it
};

}  // namespace confab::diag
