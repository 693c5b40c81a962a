#include "diag/sock_diag.hpp"

#include <array>
#include <cstring>

#include "core/text.hpp"

namespace confab::diag {

namespace {

constexpr std::uint8_t ipproto_tcp = 6;
constexpr std::uint8_t ipproto_udp = 17;
constexpr std::size_t sockid_size = 48;  // sport, dport, src[16], dst[16], if, cookie[2]

std::size_t align4(std::size_t n) { return (n + 3) & ~std::size_t{3}; }

// Host-order fields (netlink's own). memcpy: the datagram has no alignment promise.
std::uint16_t host_u16(const std::uint8_t* p) {
  std::uint16_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
std::uint32_t host_u32(const std::uint8_t* p) {
  std::uint32_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
void put_host_u16(Bytes& out, std::uint16_t v) {
  std::uint8_t b[2];
  std::memcpy(b, &v, 2);
  out.insert(out.end(), b, b + 2);
}
void put_host_u32(Bytes& out, std::uint32_t v) {
  std::uint8_t b[4];
  std::memcpy(b, &v, 4);
  out.insert(out.end(), b, b + 4);
}
void put_header(Bytes& out, std::uint32_t length, std::uint16_t type, std::uint16_t flags, std::uint32_t seq) {
  put_host_u32(out, length);
  put_host_u16(out, type);
  put_host_u16(out, flags);
  put_host_u32(out, seq);
  put_host_u32(out, 0);  // nlmsg_pid: 0 is the kernel
}

SocketAddress address_at(const std::uint8_t* port, const std::uint8_t* addr, bool v6) {
  SocketAddress a;
  a.port = static_cast<std::uint16_t>((port[0] << 8) | port[1]);
  if (v6) {
    std::array<std::uint8_t, 16> b{};
    std::memcpy(b.data(), addr, 16);
    a.ip = IpAddress::v6(b);
  } else {
    a.ip = IpAddress::v4({addr[0], addr[1], addr[2], addr[3]});
  }
  return a;
}

void put_address(Bytes& out, const SocketAddress& a) {
  std::uint8_t b[16] = {};
  std::memcpy(b, a.ip.data(), a.ip.size());
  out.insert(out.end(), b, b + 16);
}

}  // namespace

const char* to_string(SockDiagErrorCode c) {
  switch (c) {
    case SockDiagErrorCode::truncated: return "truncated";
    case SockDiagErrorCode::bad_length: return "bad length";
    case SockDiagErrorCode::kernel_error: return "the kernel refused the dump";
    case SockDiagErrorCode::unexpected_type: return "unexpected message type";
    case SockDiagErrorCode::wrong_sequence: return "answer to another request";
    case SockDiagErrorCode::bad_family: return "bad address family";
  }
  return "unknown error";
}

std::string SockDiagError::message() const {
  std::string where = "message " + std::to_string(message_index);
  if (!field.empty()) where += ", " + field;
  return decode_error_line("sock_diag", offset, where, to_string(code), detail);
}

Bytes dump_request(const SockDiagQuery& q) {
  Bytes out;
  out.reserve(nlmsghdr_size + inet_diag_req_v2_size);
  put_header(out, nlmsghdr_size + inet_diag_req_v2_size, sock_diag_by_family, nlm_f_request | nlm_f_dump,
             q.sequence);
  out.push_back(q.family == IpFamily::v4 ? af_inet : af_inet6);       // sdiag_family
  out.push_back(q.proto == Proto::tcp ? ipproto_tcp : ipproto_udp);  // sdiag_protocol
  out.push_back(0);                                                  // idiag_ext: no extra attributes
  out.push_back(0);                                                  // pad
  put_host_u32(out, 0xFFFFFFFFu);                                    // idiag_states: every state
  out.resize(out.size() + sockid_size);                              // id: all zero, no filter
  return out;
}

Result<SockDiagChunk, SockDiagError> parse_dump_datagram(ByteView d, const SockDiagQuery& q) {
  SockDiagChunk chunk;
  std::size_t index = 0;
  auto fail = [&](SockDiagErrorCode code, std::size_t offset, std::string field, std::string detail, int err = 0) {
    return unexpected(SockDiagError{code, offset, index, std::move(field), std::move(detail), err});
  };
  for (std::size_t at = 0; at < d.size(); ++index) {
    const std::size_t left = d.size() - at;
    if (left < nlmsghdr_size)
      return fail(SockDiagErrorCode::truncated, at, "nlmsghdr",
                  std::to_string(left) + " bytes left, a header needs 16");
    const std::uint8_t* h = d.data() + at;
    const std::uint32_t len = host_u32(h);
    const std::uint16_t type = host_u16(h + 4);
    const std::uint32_t seq = host_u32(h + 8);
    if (len < nlmsghdr_size)
      return fail(SockDiagErrorCode::bad_length, at, "nlmsghdr",
                  "nlmsg_len " + std::to_string(len) + " is below the 16-byte header");
    if (len > left)
      return fail(SockDiagErrorCode::bad_length, at, "nlmsghdr",
                  "nlmsg_len " + std::to_string(len) + " runs past the datagram's " + std::to_string(left) +
                      " remaining bytes");
    if (seq != q.sequence)
      return fail(SockDiagErrorCode::wrong_sequence, at + 8, "nlmsghdr",
                  "sequence " + std::to_string(seq) + ", expected " + std::to_string(q.sequence));
    const std::uint8_t* p = h + nlmsghdr_size;
    const std::size_t payload = len - nlmsghdr_size;
    const std::size_t payload_at = at + nlmsghdr_size;

    if (type == nlmsg_done) {
      // The dump's end; a negative int here is an error the dump hit half-way.
      if (payload >= 4) {
        const auto err = static_cast<std::int32_t>(host_u32(p));
        if (err < 0)
          return fail(SockDiagErrorCode::kernel_error, payload_at, "NLMSG_DONE",
                      "error " + std::to_string(-err) + " at the end of the dump", -err);
      }
      chunk.done = true;
      return chunk;
    }
    if (type == nlmsg_error) {
      if (payload < 4)
        return fail(SockDiagErrorCode::truncated, payload_at, "NLMSG_ERROR", "no error code");
      const auto err = static_cast<std::int32_t>(host_u32(p));
      if (err != 0)  // 0 is an acknowledgement
        return fail(SockDiagErrorCode::kernel_error, payload_at, "NLMSG_ERROR",
                    "errno " + std::to_string(err < 0 ? -err : err), err < 0 ? -err : err);
    } else if (type == sock_diag_by_family) {
      if (payload < inet_diag_msg_size)
        return fail(SockDiagErrorCode::truncated, payload_at, "inet_diag_msg",
                    std::to_string(payload) + " bytes, the message needs " + std::to_string(inet_diag_msg_size));
      const std::uint8_t family = p[0];
      if (family != af_inet && family != af_inet6)
        return fail(SockDiagErrorCode::bad_family, payload_at, "inet_diag_msg",
                    "idiag_family " + std::to_string(family));
      const bool v6 = family == af_inet6;
      if (v6 != (q.family == IpFamily::v6))
        return fail(SockDiagErrorCode::bad_family, payload_at, "inet_diag_msg",
                    std::string("an ") + (v6 ? "AF_INET6" : "AF_INET") + " socket in a dump of " +
                        (v6 ? "AF_INET" : "AF_INET6"));
      SocketRecord s;
      s.proto = q.proto;
      s.state = p[1];
      const std::uint8_t* id = p + 4;
      s.local = address_at(id, id + 4, v6);
      s.remote = address_at(id + 2, id + 20, v6);
      const std::uint8_t* tail = p + 4 + sockid_size;  // expires, rqueue, wqueue, uid, inode
      s.receive_queue = host_u32(tail + 4);
      s.send_queue = host_u32(tail + 8);
      s.uid = host_u32(tail + 12);
      s.inode = host_u32(tail + 16);
      // Attributes (rtattr) may follow; we asked for none and skip any.
      chunk.sockets.push_back(s);
    } else if (type != nlmsg_noop) {
      return fail(SockDiagErrorCode::unexpected_type, at + 4, "nlmsghdr", "type " + std::to_string(type));
    }
    // The last message may end without padding.
    at = std::min(d.size(), at + align4(len));
  }
  return chunk;
}

Bytes encode_diag_message(const SocketRecord& s, std::uint32_t sequence) {
  Bytes out;
  put_header(out, nlmsghdr_size + inet_diag_msg_size, sock_diag_by_family, nlm_f_multi, sequence);
  out.push_back(s.local.ip.is_v6() ? af_inet6 : af_inet);
  out.push_back(s.state);
  out.push_back(0);  // timer
  out.push_back(0);  // retrans
  out.push_back(static_cast<std::uint8_t>(s.local.port >> 8));
  out.push_back(static_cast<std::uint8_t>(s.local.port));
  out.push_back(static_cast<std::uint8_t>(s.remote.port >> 8));
  out.push_back(static_cast<std::uint8_t>(s.remote.port));
  put_address(out, s.local);
  put_address(out, s.remote);
  put_host_u32(out, 0);  // idiag_if
  put_host_u32(out, 0);  // cookie
  put_host_u32(out, 0);
  put_host_u32(out, 0);  // expires
  put_host_u32(out, s.receive_queue);
  put_host_u32(out, s.send_queue);
  put_host_u32(out, s.uid);
  put_host_u32(out, s.inode);
  return out;
}

Bytes encode_done(std::uint32_t sequence) {
  Bytes out;
  put_header(out, nlmsghdr_size + 4, nlmsg_done, nlm_f_multi, sequence);
  put_host_u32(out, 0);
  return out;
}

}  // namespace confab::diag
