#include "net/plain_tcp.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "net/sockaddr.hpp"

namespace confab::net {

Result<TcpListener, std::string> listen_tcp(std::uint16_t port) {
  const int one = 1, zero = 0;
  // Dual-stack first; a host (or namespace) without IPv6 gets IPv4 only.
  int fd = ::socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd >= 0) {
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
    sockaddr_in6 a{};
    a.sin6_family = AF_INET6;
    a.sin6_port = htons(port);
    if (::bind(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0) {
      ::close(fd);
      fd = -1;
    }
  }
  if (fd < 0) {
    fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return unexpected(std::string("socket: ") + std::strerror(errno));
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    if (::bind(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0) {
      const std::string why = std::strerror(errno);
      ::close(fd);
      return unexpected("bind TCP port " + std::to_string(port) + ": " + why);
    }
  }
  if (::listen(fd, 16) != 0) {
    const std::string why = std::strerror(errno);
    ::close(fd);
    return unexpected("listen: " + why);
  }
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len);
  return TcpListener{fd, from_sockaddr(ss).port};
}

std::optional<AcceptedTcp> accept_tcp(int listen_fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  const int fd = ::accept4(listen_fd, reinterpret_cast<sockaddr*>(&ss), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (fd < 0) return std::nullopt;
  SocketAddress remote = from_sockaddr(ss);
  // An IPv4 peer on a dual-stack socket arrives as ::ffff:a.b.c.d.
  if (remote.ip.is_v6()) {
    const std::uint8_t* b = remote.ip.data();
    static const std::uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::memcmp(b, mapped, 12) == 0) remote.ip = IpAddress::v4({b[12], b[13], b[14], b[15]});
  }
  return AcceptedTcp{fd, remote};
}

Result<int, std::string> connect_tcp(const SocketAddress& to, std::uint32_t scope) {
  sockaddr_storage ss{};
  const socklen_t len = to_sockaddr(to, ss);
  if (to.ip.is_v6()) reinterpret_cast<sockaddr_in6*>(&ss)->sin6_scope_id = scope;
  const int fd = ::socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return unexpected(std::string("socket: ") + std::strerror(errno));
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&ss), len) != 0 && errno != EINPROGRESS) {
    const std::string why = std::strerror(errno);
    ::close(fd);
    return unexpected("connect " + to.to_string() + ": " + why);
  }
  return fd;
}

std::string connect_result(int fd) {
  int err = 0;
  socklen_t len = sizeof err;
  if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) return std::strerror(errno);
  return err == 0 ? std::string() : std::string(std::strerror(err));
}

}  // namespace confab::net
