#include "net/udp_socket.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "net/sockaddr.hpp"

namespace confab::net {

namespace {

constexpr std::size_t control_size = CMSG_SPACE(sizeof(in6_pktinfo));
constexpr std::size_t max_send_batch = 64;

std::error_code last_error() { return {errno, std::system_category()}; }

// The destination address of a received datagram, from its IP(V6)_PKTINFO.
std::optional<IpAddress> pktinfo_destination(msghdr& h) {
  for (cmsghdr* c = CMSG_FIRSTHDR(&h); c; c = CMSG_NXTHDR(&h, c)) {
    if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
      in_pktinfo pi;
      std::memcpy(&pi, CMSG_DATA(c), sizeof pi);
      std::array<std::uint8_t, 4> b;
      std::memcpy(b.data(), &pi.ipi_addr, 4);
      return IpAddress::v4(b);
    }
    if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
      in6_pktinfo pi;
      std::memcpy(&pi, CMSG_DATA(c), sizeof pi);
      std::array<std::uint8_t, 16> b;
      std::memcpy(b.data(), &pi.ipi6_addr, 16);
      return IpAddress::v6(b);
    }
  }
  return std::nullopt;
}

}  // namespace

struct RecvBatch::Impl {
  std::vector<std::uint8_t> data;
  std::size_t slot_size;
  std::vector<mmsghdr> headers;
  std::vector<iovec> iovecs;
  std::vector<sockaddr_storage> names;
  std::vector<std::array<std::uint8_t, control_size>> controls;
};

RecvBatch::RecvBatch(std::size_t slots, std::size_t slot_size) : impl_(new Impl), received_(slots) {
  impl_->data.resize(slots * slot_size);
  impl_->slot_size = slot_size;
  impl_->headers.resize(slots);
  impl_->iovecs.resize(slots);
  impl_->names.resize(slots);
  impl_->controls.resize(slots);
}

RecvBatch::~RecvBatch() { delete impl_; }

UdpSocket UdpSocket::bind(const SocketAddress& local, const UdpSocketOptions& options, std::error_code& ec) {
  UdpSocket s;
  int family = local.ip.is_v4() ? AF_INET : AF_INET6;
  s.fd_ = ::socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (s.fd_ < 0) {
    ec = last_error();
    return s;
  }
  int one = 1;
  if (options.reuse_address) ::setsockopt(s.fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (options.reuse_port) ::setsockopt(s.fd_, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
  // Only a wildcard socket needs to be told each datagram's destination
  // address; for a specific one it is the bound address, and the kernel's
  // per-datagram control message would be wasted work.
  const bool wildcard = local.ip.is_unspecified();
  if (family == AF_INET) {
    if (wildcard) ::setsockopt(s.fd_, IPPROTO_IP, IP_PKTINFO, &one, sizeof one);
  } else {
    if (wildcard) ::setsockopt(s.fd_, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof one);
    ::setsockopt(s.fd_, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
  }
  if (options.receive_buffer > 0)
    ::setsockopt(s.fd_, SOL_SOCKET, SO_RCVBUF, &options.receive_buffer, sizeof options.receive_buffer);
  if (options.send_buffer > 0)
    ::setsockopt(s.fd_, SOL_SOCKET, SO_SNDBUF, &options.send_buffer, sizeof options.send_buffer);
  sockaddr_storage ss;
  socklen_t len = to_sockaddr(local, ss);
  if (::bind(s.fd_, reinterpret_cast<sockaddr*>(&ss), len) != 0) {
    ec = last_error();
    ::close(s.fd_);
    s.fd_ = -1;
    return s;
  }
  len = sizeof ss;
  ::getsockname(s.fd_, reinterpret_cast<sockaddr*>(&ss), &len);
  s.local_ = from_sockaddr(ss);
  s.wildcard_ = wildcard;
  ec.clear();
  return s;
}

UdpSocket::UdpSocket(UdpSocket&& o) noexcept : fd_(o.fd_), local_(o.local_), wildcard_(o.wildcard_) {
  o.fd_ = -1;
}

UdpSocket& UdpSocket::operator=(UdpSocket&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = o.fd_;
    local_ = o.local_;
    wildcard_ = o.wildcard_;
    o.fd_ = -1;
  }
  return *this;
}

UdpSocket::~UdpSocket() {
  if (fd_ >= 0) ::close(fd_);
}

std::size_t UdpSocket::receive(RecvBatch& batch, std::error_code& ec) {
  auto& b = *batch.impl_;
  const std::size_t slots = b.headers.size();
  for (std::size_t i = 0; i < slots; ++i) {
    b.iovecs[i] = {b.data.data() + i * b.slot_size, b.slot_size};
    msghdr& h = b.headers[i].msg_hdr;
    h = {};
    h.msg_name = &b.names[i];
    h.msg_namelen = sizeof(sockaddr_storage);
    h.msg_iov = &b.iovecs[i];
    h.msg_iovlen = 1;
    if (wildcard_) {
      h.msg_control = b.controls[i].data();
      h.msg_controllen = control_size;
    }
  }
  int n = ::recvmmsg(fd_, b.headers.data(), static_cast<unsigned>(slots), MSG_DONTWAIT, nullptr);
  batch.count_ = 0;
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
      ec.clear();
    else
      ec = last_error();
    return 0;
  }
  ec.clear();
  for (std::size_t i = 0; i < static_cast<std::size_t>(n); ++i) {
    msghdr& h = b.headers[i].msg_hdr;
    Received& r = batch.received_[i];
    r.remote = from_sockaddr(b.names[i]);
    r.local = local_;
    if (wildcard_)
      if (auto dst = pktinfo_destination(h)) r.local.ip = *dst;
    r.bytes = ByteView(b.data.data() + i * b.slot_size, b.headers[i].msg_len);
    r.truncated = (h.msg_flags & MSG_TRUNC) != 0;
  }
  batch.count_ = static_cast<std::size_t>(n);
  return batch.count_;
}

std::size_t UdpSocket::send(std::span<const Transmit* const> transmits, std::error_code& ec) {
  ec.clear();
  std::size_t sent = 0;
  std::array<mmsghdr, max_send_batch> headers;
  std::array<iovec, max_send_batch> iovecs;
  std::array<sockaddr_storage, max_send_batch> names;
  std::array<std::array<std::uint8_t, control_size>, max_send_batch> controls;
  while (sent < transmits.size()) {
    std::size_t n = std::min(max_send_batch, transmits.size() - sent);
    for (std::size_t i = 0; i < n; ++i) {
      const Transmit& t = *transmits[sent + i];
      iovecs[i] = {const_cast<std::uint8_t*>(t.bytes.data()), t.bytes.size()};
      msghdr& h = headers[i].msg_hdr;
      h = {};
      h.msg_name = &names[i];
      h.msg_namelen = to_sockaddr(t.remote, names[i]);
      h.msg_iov = &iovecs[i];
      h.msg_iovlen = 1;
      if (wildcard_ && !t.local.ip.is_unspecified()) {
        // Answer from the address the request was sent to, not whatever the
        // routing table would pick: RFC 5780 clients check the source.
        h.msg_control = controls[i].data();
        cmsghdr* c;
        if (t.local.ip.is_v4()) {
          h.msg_controllen = CMSG_SPACE(sizeof(in_pktinfo));
          c = CMSG_FIRSTHDR(&h);
          c->cmsg_level = IPPROTO_IP;
          c->cmsg_type = IP_PKTINFO;
          c->cmsg_len = CMSG_LEN(sizeof(in_pktinfo));
          in_pktinfo pi{};
          std::memcpy(&pi.ipi_spec_dst, t.local.ip.data(), 4);
          std::memcpy(CMSG_DATA(c), &pi, sizeof pi);
        } else {
          h.msg_controllen = CMSG_SPACE(sizeof(in6_pktinfo));
          c = CMSG_FIRSTHDR(&h);
          c->cmsg_level = IPPROTO_IPV6;
          c->cmsg_type = IPV6_PKTINFO;
          c->cmsg_len = CMSG_LEN(sizeof(in6_pktinfo));
          in6_pktinfo pi{};
          std::memcpy(&pi.ipi6_addr, t.local.ip.data(), 16);
          std::memcpy(CMSG_DATA(c), &pi, sizeof pi);
        }
      }
    }
    int r = ::sendmmsg(fd_, headers.data(), static_cast<unsigned>(n), MSG_DONTWAIT);
    if (r < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return sent;
      // One bad destination (e.g. EINVAL, unreachable) must not block the
      // rest of the batch: skip it and go on.
      ec = last_error();
      ++sent;
      continue;
    }
    sent += static_cast<std::size_t>(r);
    if (static_cast<std::size_t>(r) < n && r == 0) break;
  }
  return sent;
}

bool UdpSocket::send_to(const SocketAddress& to, ByteView bytes, std::error_code& ec) {
  sockaddr_storage ss;
  socklen_t len = to_sockaddr(to, ss);
  ssize_t r = ::sendto(fd_, bytes.data(), bytes.size(), MSG_DONTWAIT, reinterpret_cast<sockaddr*>(&ss), len);
  if (r < 0) {
    ec = last_error();
    return false;
  }
  ec.clear();
  return true;
}

}  // namespace confab::net
