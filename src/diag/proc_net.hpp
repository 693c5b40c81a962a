#pragma once
// The /proc/net/{tcp,udp,tcp6,udp6} tables as a codec: the text the kernel
// writes (net/ipv4/tcp_ipv4.c get_tcp4_sock, net/ipv6/tcp_ipv6.c, udp.c) to
// SocketRecords. The fallback when NETLINK_SOCK_DIAG is not available.
//
//   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
//    0: 0100007F:1446 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 12345 ...
//
// Addresses are the raw network-order bytes printed as host-order 32-bit
// words (%08X each; four of them for IPv6), ports and the state in hex, uid
// and inode in decimal.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/address.hpp"
#include "core/result.hpp"
#include "diag/socket_record.hpp"

namespace confab::diag {

struct ProcNetError {
  std::size_t line = 0;  // 1-based; line 1 is the header
  std::string field;     // "local_address", "st", "inode", ...
  std::string detail;    // "\"0100007G\" is not hexadecimal"
  // "/proc/net decode error at line 3 (local_address): ..."
  std::string message() const;
};

// Every socket of one table; `proto` and `family` say which table it is.
Result<std::vector<SocketRecord>, ProcNetError> parse_proc_net(std::string_view text, Proto proto, IpFamily family);

}  // namespace confab::diag
