#pragma once
// One kernel socket as `ss` shows it: protocol, local and remote address,
// TCP state, owner uid and inode (the key that ties it to a process's file
// descriptors). Both readers produce it: the netlink sock_diag codec
// (sock_diag.hpp) and the /proc/net table parser (proc_net.hpp).
#include <cstdint>
#include <string>

#include "core/address.hpp"
#include "diag/port_catalog.hpp"

namespace confab::diag {

// The kernel's TCP states (include/net/tcp_states.h); UDP sockets use
// established (connected) and close (unconnected) only.
enum class SocketState : std::uint8_t {
  established = 1,
  syn_sent = 2,
  syn_recv = 3,
  fin_wait1 = 4,
  fin_wait2 = 5,
  time_wait = 6,
  close = 7,
  close_wait = 8,
  last_ack = 9,
  listen = 10,
  closing = 11,
  new_syn_recv = 12,
};
inline constexpr int max_socket_state = 12;

// ss's names: "ESTAB", "LISTEN", "UNCONN" (a UDP socket that is not
// connected), "SYN-SENT", ...; "?" for a value the kernel has not defined.
std::string state_name(Proto proto, std::uint8_t state);

struct SocketRecord {
  Proto proto = Proto::tcp;
  SocketAddress local;
  SocketAddress remote;  // 0.0.0.0:0 / [::]:0 when not connected
  std::uint8_t state = 0;  // a SocketState, kept raw: a newer kernel may send one we do not know
  std::uint32_t uid = 0;
  std::uint32_t inode = 0;  // 0: no file (TIME_WAIT, a request socket): nobody owns it
  std::uint32_t receive_queue = 0;
  std::uint32_t send_queue = 0;

  // "Listening" in ss's sense (-l): a TCP listener or an unconnected UDP socket.
  bool listening() const {
    return proto == Proto::tcp ? state == static_cast<std::uint8_t>(SocketState::listen)
                               : remote.port == 0;
  }
  bool operator==(const SocketRecord&) const = default;
};

// "0.0.0.0:5060", "[::1]:5222"; a remote of port 0 is "*:*" as in ss.
std::string endpoint_text(const SocketAddress& a, bool remote = false);

}  // namespace confab::diag
