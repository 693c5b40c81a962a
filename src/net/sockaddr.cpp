#include "net/sockaddr.hpp"

#include <netinet/in.h>

#include <cstring>

namespace confab::net {

socklen_t to_sockaddr(const SocketAddress& a, sockaddr_storage& out) {
  std::memset(&out, 0, sizeof out);
  if (a.ip.is_v4()) {
    auto* sin = reinterpret_cast<sockaddr_in*>(&out);
    sin->sin_family = AF_INET;
    sin->sin_port = htons(a.port);
    std::memcpy(&sin->sin_addr, a.ip.data(), 4);
    return sizeof(sockaddr_in);
  }
  auto* sin6 = reinterpret_cast<sockaddr_in6*>(&out);
  sin6->sin6_family = AF_INET6;
  sin6->sin6_port = htons(a.port);
  std::memcpy(&sin6->sin6_addr, a.ip.data(), 16);
  return sizeof(sockaddr_in6);
}

SocketAddress from_sockaddr(const sockaddr_storage& s) {
  if (s.ss_family == AF_INET) {
    const auto* sin = reinterpret_cast<const sockaddr_in*>(&s);
    std::array<std::uint8_t, 4> b;
    std::memcpy(b.data(), &sin->sin_addr, 4);
    return {IpAddress::v4(b), ntohs(sin->sin_port)};
  }
  const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(&s);
  std::array<std::uint8_t, 16> b;
  std::memcpy(b.data(), &sin6->sin6_addr, 16);
  // An IPv4-mapped IPv6 address (::ffff:a.b.c.d) is reported as plain IPv4.
  static constexpr std::uint8_t mapped_prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::memcmp(b.data(), mapped_prefix, 12) == 0)
    return {IpAddress::v4({b[12], b[13], b[14], b[15]}), ntohs(sin6->sin6_port)};
  return {IpAddress::v6(b), ntohs(sin6->sin6_port)};
}

}  // namespace confab::net
