// mDNS sockets: plain POSIX, because all the work is socket options and
// ancillary data (which link a datagram came in on) that asio does not model.
#include "net/multicast_socket.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>

#include "net/sockaddr.hpp"

namespace confab::net {

namespace {

std::string errno_text(const char* what) { return std::string(what) + ": " + std::strerror(errno); }

bool set_int(int fd, int level, int name, int value) {
  return ::setsockopt(fd, level, name, &value, sizeof value) == 0;
}

bool is_link_local_v6(const IpAddress& a) { return a.is_v6() && a.data()[0] == 0xfe && (a.data()[1] & 0xc0) == 0x80; }

}  // namespace

std::vector<LinkInterface> multicast_interfaces(const std::string& only) {
  std::map<std::string, LinkInterface> by_name;
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) return {};
  for (ifaddrs* i = list; i; i = i->ifa_next) {
    if (!i->ifa_name) continue;
    const std::string name = i->ifa_name;
    if (!only.empty() && name != only) continue;
    const unsigned flags = i->ifa_flags;
    if (!(flags & IFF_UP)) continue;
    if (only.empty() && ((flags & IFF_LOOPBACK) || !(flags & IFF_MULTICAST))) continue;
    auto& link = by_name[name];
    link.name = name;
    link.index = ::if_nametoindex(name.c_str());
    if (!i->ifa_addr) continue;
    if (i->ifa_addr->sa_family == AF_INET) {
      const auto* s = reinterpret_cast<const sockaddr_in*>(i->ifa_addr);
      link.addresses.push_back(IpAddress::v4(ntohl(s->sin_addr.s_addr)));
    } else if (i->ifa_addr->sa_family == AF_INET6) {
      const auto* s = reinterpret_cast<const sockaddr_in6*>(i->ifa_addr);
      std::array<std::uint8_t, 16> b{};
      std::memcpy(b.data(), &s->sin6_addr, 16);
      link.addresses.push_back(IpAddress::v6(b));
    }
  }
  ::freeifaddrs(list);
  std::vector<LinkInterface> out;
  for (auto& [name, link] : by_name) {
    if (link.index == 0 || link.addresses.empty()) continue;
    std::sort(link.addresses.begin(), link.addresses.end());
    out.push_back(std::move(link));
  }
  return out;
}

MulticastSockets::MulticastSockets(MulticastSockets&& o) noexcept
    : options_(std::move(o.options_)), v4_(o.v4_), v6_(o.v6_), links_(std::move(o.links_)) {
  o.v4_ = o.v6_ = -1;
}

MulticastSockets& MulticastSockets::operator=(MulticastSockets&& o) noexcept {
  if (this != &o) {
    close();
    options_ = std::move(o.options_);
    v4_ = o.v4_;
    v6_ = o.v6_;
    links_ = std::move(o.links_);
    o.v4_ = o.v6_ = -1;
  }
  return *this;
}

MulticastSockets::~MulticastSockets() { close(); }

void MulticastSockets::close() {
  if (v4_ >= 0) ::close(v4_);
  if (v6_ >= 0) ::close(v6_);
  v4_ = v6_ = -1;
}

Result<MulticastSockets, std::string> MulticastSockets::open(const MulticastOptions& options) {
  MulticastSockets s;
  s.options_ = options;
  s.v4_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (s.v4_ < 0) return unexpected(errno_text("socket"));
  // Both options: Avahi (and mDNSResponder) hold 5353 with SO_REUSEADDR;
  // Linux lets a second socket share a UDP port when it sets either the
  // same one, and SO_REUSEPORT covers peers that only set that.
  set_int(s.v4_, SOL_SOCKET, SO_REUSEADDR, 1);
  set_int(s.v4_, SOL_SOCKET, SO_REUSEPORT, 1);
  sockaddr_in any{};
  any.sin_family = AF_INET;
  any.sin_port = htons(options.port);
  if (::bind(s.v4_, reinterpret_cast<const sockaddr*>(&any), sizeof any) != 0)
    return unexpected(errno_text(("bind 0.0.0.0:" + std::to_string(options.port)).c_str()));
  set_int(s.v4_, IPPROTO_IP, IP_PKTINFO, 1);
  set_int(s.v4_, IPPROTO_IP, IP_MULTICAST_TTL, 255);  // §11: sent with TTL 255
  set_int(s.v4_, IPPROTO_IP, IP_TTL, 255);
  set_int(s.v4_, IPPROTO_IP, IP_MULTICAST_LOOP, 1);    // other responders on this host hear us
  if (options.ipv6) {
    s.v6_ = ::socket(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    sockaddr_in6 any6{};
    any6.sin6_family = AF_INET6;
    any6.sin6_port = htons(options.port);
    if (s.v6_ >= 0) {
      set_int(s.v6_, IPPROTO_IPV6, IPV6_V6ONLY, 1);
      set_int(s.v6_, SOL_SOCKET, SO_REUSEADDR, 1);
      set_int(s.v6_, SOL_SOCKET, SO_REUSEPORT, 1);
      if (::bind(s.v6_, reinterpret_cast<const sockaddr*>(&any6), sizeof any6) != 0) {
        ::close(s.v6_);  // no IPv6 on this host (or in this namespace): IPv4 only
        s.v6_ = -1;
      }
    }
    if (s.v6_ >= 0) {
      set_int(s.v6_, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1);
      set_int(s.v6_, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, 255);
      set_int(s.v6_, IPPROTO_IPV6, IPV6_UNICAST_HOPS, 255);
      set_int(s.v6_, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, 1);
    }
  }
  s.refresh_interfaces();
  if (s.links_.empty())
    return unexpected(options.interface.empty() ? std::string("no interface is up with multicast (other than loopback)")
                                                : "interface " + options.interface + " is not up or has no address");
  return s;
}

void MulticastSockets::join(const LinkInterface& link) {
  ip_mreqn m4{};
  std::uint32_t group4 = htonl(options_.group_v4.v4_host_order());
  std::memcpy(&m4.imr_multiaddr, &group4, 4);
  m4.imr_ifindex = static_cast<int>(link.index);
  // EADDRINUSE: already joined (a refresh); anything else: that link stays silent.
  (void)::setsockopt(v4_, IPPROTO_IP, IP_ADD_MEMBERSHIP, &m4, sizeof m4);
  if (v6_ >= 0) {
    ipv6_mreq m6{};
    std::memcpy(&m6.ipv6mr_multiaddr, options_.group_v6.data(), 16);
    m6.ipv6mr_interface = link.index;
    (void)::setsockopt(v6_, IPPROTO_IPV6, IPV6_JOIN_GROUP, &m6, sizeof m6);
  }
}

bool MulticastSockets::refresh_interfaces() {
  auto now = multicast_interfaces(options_.interface);
  if (now == links_) return false;
  for (const auto& l : now) join(l);
  links_ = std::move(now);
  return true;
}

std::vector<int> MulticastSockets::fds() const {
  std::vector<int> out;
  if (v4_ >= 0) out.push_back(v4_);
  if (v6_ >= 0) out.push_back(v6_);
  return out;
}

std::vector<LinkDatagram> MulticastSockets::receive(int fd) {
  std::vector<LinkDatagram> out;
  for (int n = 0; n < 64; ++n) {  // bounded: the loop must get back to its timers
    std::uint8_t buf[9000];       // §17: mDNS packets up to 9000 bytes
    sockaddr_storage from{};
    alignas(cmsghdr) std::uint8_t control[256];
    iovec iov{buf, sizeof buf};
    msghdr msg{};
    msg.msg_name = &from;
    msg.msg_namelen = sizeof from;
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    const ssize_t got = ::recvmsg(fd, &msg, MSG_DONTWAIT);
    if (got < 0) break;
    if (msg.msg_flags & MSG_TRUNC) continue;  // larger than any mDNS packet: drop
    LinkDatagram d;
    d.source = from_sockaddr(from);
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
      if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
        in_pktinfo info;
        std::memcpy(&info, CMSG_DATA(c), sizeof info);
        d.interface = static_cast<std::uint32_t>(info.ipi_ifindex);
      } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
        in6_pktinfo info;
        std::memcpy(&info, CMSG_DATA(c), sizeof info);
        d.interface = info.ipi6_ifindex;
      }
    }
    d.bytes.assign(buf, buf + got);
    out.push_back(std::move(d));
  }
  return out;
}

bool MulticastSockets::send(std::uint32_t interface, const std::optional<SocketAddress>& unicast, ByteView bytes) {
  const LinkInterface* link = nullptr;
  for (const auto& l : links_)
    if (l.index == interface) link = &l;
  if (!link) return false;
  auto send_v4 = [&](const SocketAddress& to) {
    ip_mreqn m{};
    m.imr_ifindex = static_cast<int>(interface);
    ::setsockopt(v4_, IPPROTO_IP, IP_MULTICAST_IF, &m, sizeof m);
    sockaddr_storage ss{};
    const socklen_t len = to_sockaddr(to, ss);
    return ::sendto(v4_, bytes.data(), bytes.size(), 0, reinterpret_cast<const sockaddr*>(&ss), len) >= 0;
  };
  auto send_v6 = [&](const SocketAddress& to) {
    if (v6_ < 0) return false;
    const unsigned idx = interface;
    ::setsockopt(v6_, IPPROTO_IPV6, IPV6_MULTICAST_IF, &idx, sizeof idx);
    sockaddr_storage ss{};
    const socklen_t len = to_sockaddr(to, ss);
    auto* s6 = reinterpret_cast<sockaddr_in6*>(&ss);
    if (to.ip == options_.group_v6 || is_link_local_v6(to.ip)) s6->sin6_scope_id = interface;
    return ::sendto(v6_, bytes.data(), bytes.size(), 0, reinterpret_cast<const sockaddr*>(&ss), len) >= 0;
  };
  if (unicast) return unicast->ip.is_v4() ? send_v4(*unicast) : send_v6(*unicast);
  bool any = false;
  const bool has_v4 = std::any_of(link->addresses.begin(), link->addresses.end(), [](auto& a) { return a.is_v4(); });
  const bool has_v6 = std::any_of(link->addresses.begin(), link->addresses.end(), [](auto& a) { return a.is_v6(); });
  if (has_v4) any |= send_v4({options_.group_v4, options_.port});
  if (has_v6) any |= send_v6({options_.group_v6, options_.port});
  return any;
}

}  // namespace confab::net
