#pragma once
// Linux NETLINK_SOCK_DIAG (inet_diag) as a codec: the dump request that asks
// the kernel for every TCP or UDP socket of one address family, and the
// parser of the datagrams it answers with (what `ss` reads). No socket here:
// client/socket_inspector.* sends the bytes and feeds the answers back.
//
// Layouts (include/uapi/linux/netlink.h, sock_diag.h, inet_diag.h): each
// datagram holds netlink messages, a 16-byte nlmsghdr then the payload,
// each aligned to 4 bytes. Header fields are in host byte order (netlink
// never leaves the machine); ports and addresses inside inet_diag_sockid
// are in network order.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/address.hpp"
#include "core/bytes.hpp"
#include "core/result.hpp"
#include "diag/socket_record.hpp"

namespace confab::diag {

// The protocol numbers and constants the kernel's ABI fixes.
inline constexpr std::uint16_t nlmsg_noop = 1;
inline constexpr std::uint16_t nlmsg_error = 2;
inline constexpr std::uint16_t nlmsg_done = 3;
inline constexpr std::uint16_t sock_diag_by_family = 20;
inline constexpr std::uint16_t nlm_f_request = 0x1;
inline constexpr std::uint16_t nlm_f_multi = 0x2;
inline constexpr std::uint16_t nlm_f_dump = 0x300;  // NLM_F_ROOT | NLM_F_MATCH
inline constexpr std::uint8_t af_inet = 2;
inline constexpr std::uint8_t af_inet6 = 10;
inline constexpr std::size_t nlmsghdr_size = 16;
inline constexpr std::size_t inet_diag_req_v2_size = 56;
inline constexpr std::size_t inet_diag_msg_size = 72;

struct SockDiagQuery {
  Proto proto = Proto::tcp;
  IpFamily family = IpFamily::v4;
  std::uint32_t sequence = 1;  // echoed in every answer; a stale answer of another dump is refused
};

// One netlink message: a SOCK_DIAG_BY_FAMILY dump request for every socket
// of the query's protocol and family, in every state.
Bytes dump_request(const SockDiagQuery& q);

enum class SockDiagErrorCode : std::uint8_t {
  truncated,        // fewer bytes than a header or payload needs
  bad_length,       // nlmsg_len smaller than the header or past the datagram
  kernel_error,     // NLMSG_ERROR (or an error in NLMSG_DONE): the kernel refused the dump
  unexpected_type,  // a message type a sock_diag dump never sends
  wrong_sequence,   // the answer belongs to another request
  bad_family,       // an inet_diag_msg that is neither AF_INET nor AF_INET6, or not the family asked for
};
const char* to_string(SockDiagErrorCode c);

struct SockDiagError {
  SockDiagErrorCode code = SockDiagErrorCode::truncated;
  std::size_t offset = 0;         // byte in the datagram where it went wrong
  std::size_t message_index = 0;  // which netlink message of the datagram (0-based)
  std::string field;              // "nlmsghdr", "inet_diag_msg", "NLMSG_ERROR"
  std::string detail;             // "nlmsg_len 8 is below the 16-byte header"
  int kernel_errno = 0;           // kernel_error: the errno it reported (positive)

  // "sock_diag decode error at byte 16 (message 1, inet_diag_msg): truncated: ..."
  std::string message() const;
};

// What one datagram of the answer held: sockets, and whether the dump is
// complete (NLMSG_DONE seen; stop reading then).
struct SockDiagChunk {
  std::vector<SocketRecord> sockets;
  bool done = false;
};

Result<SockDiagChunk, SockDiagError> parse_dump_datagram(ByteView datagram, const SockDiagQuery& q);

// The other direction, for tests and fuzz seeds: one SOCK_DIAG_BY_FAMILY
// message describing `s` (flags NLM_F_MULTI), and an NLMSG_DONE.
Bytes encode_diag_message(const SocketRecord& s, std::uint32_t sequence);
Bytes encode_done(std::uint32_t sequence);

}  // namespace confab::diag
