#include "diag/socket_record.hpp"

namespace confab::diag {

std::string state_name(Proto proto, std::uint8_t state) {
  if (proto == Proto::udp) {
    if (state == static_cast<std::uint8_t>(SocketState::close)) return "UNCONN";
    if (state == static_cast<std::uint8_t>(SocketState::established)) return "ESTAB";
  }
  switch (static_cast<SocketState>(state)) {
    case SocketState::established: return "ESTAB";
    case SocketState::syn_sent: return "SYN-SENT";
    case SocketState::syn_recv: return "SYN-RECV";
    case SocketState::fin_wait1: return "FIN-WAIT-1";
    case SocketState::fin_wait2: return "FIN-WAIT-2";
    case SocketState::time_wait: return "TIME-WAIT";
    case SocketState::close: return "UNCONN";
    case SocketState::close_wait: return "CLOSE-WAIT";
    case SocketState::last_ack: return "LAST-ACK";
    case SocketState::listen: return "LISTEN";
    case SocketState::closing: return "CLOSING";
    case SocketState::new_syn_recv: return "SYN-RECV";
  }
  return "?";
}

std::string endpoint_text(const SocketAddress& a, bool remote) {
  if (remote && a.port == 0) return "*:*";
  return a.to_string();
}

}  // namespace confab::diag
