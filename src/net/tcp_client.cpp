#include "net/tcp_client.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "net/sockaddr.hpp"

namespace confab::net {

namespace {

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

int remaining_ms(Instant deadline) {
  auto ms = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return static_cast<int>(std::max<long long>(0, ms));
}

std::string seconds_text(Duration d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f s", std::chrono::duration<double>(d).count());
  return buf;
}

}  // namespace

Result<TcpExchange, std::string> tcp_request(const SocketAddress& server, ByteView request,
                                             const std::function<std::optional<std::size_t>(ByteView)>& frame_size,
                                             Duration timeout, std::size_t max_response) {
  const Instant deadline = Clock::now() + timeout;
  Fd s;
  s.fd = ::socket(server.ip.is_v4() ? AF_INET : AF_INET6, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (s.fd < 0) return unexpected(std::string(std::strerror(errno)));
  sockaddr_storage ss;
  socklen_t len = to_sockaddr(server, ss);
  if (::connect(s.fd, reinterpret_cast<sockaddr*>(&ss), len) != 0 && errno != EINPROGRESS)
    return unexpected(std::string("connect: ") + std::strerror(errno));
  pollfd p{s.fd, POLLOUT, 0};
  if (::poll(&p, 1, remaining_ms(deadline)) <= 0) return unexpected("connect timed out after " + seconds_text(timeout));
  int err = 0;
  socklen_t errlen = sizeof err;
  ::getsockopt(s.fd, SOL_SOCKET, SO_ERROR, &err, &errlen);
  if (err != 0) return unexpected(std::string("connect: ") + std::strerror(err));

  TcpExchange out;
  len = sizeof ss;
  ::getsockname(s.fd, reinterpret_cast<sockaddr*>(&ss), &len);
  out.local = from_sockaddr(ss);

  std::size_t sent = 0;
  while (sent < request.size()) {
    ssize_t n = ::send(s.fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<std::size_t>(n);
      continue;
    }
    if (errno != EAGAIN) return unexpected(std::string("send: ") + std::strerror(errno));
    p = {s.fd, POLLOUT, 0};
    if (::poll(&p, 1, remaining_ms(deadline)) <= 0) return unexpected("send timed out after " + seconds_text(timeout));
  }
  std::array<std::uint8_t, 4096> chunk;
  for (;;) {
    if (auto size = frame_size(out.response); size && out.response.size() >= *size) {
      out.response.resize(*size);
      return out;
    }
    if (out.response.size() > max_response) return unexpected(std::string("response too large"));
    p = {s.fd, POLLIN, 0};
    if (::poll(&p, 1, remaining_ms(deadline)) <= 0) return unexpected("no answer within " + seconds_text(timeout));
    ssize_t n = ::recv(s.fd, chunk.data(), chunk.size(), 0);
    if (n == 0) return unexpected(std::string("the server closed the connection"));
    if (n < 0 && errno != EAGAIN) return unexpected(std::string("recv: ") + std::strerror(errno));
    if (n > 0) out.response.insert(out.response.end(), chunk.begin(), chunk.begin() + n);
  }
}

std::optional<IpAddress> route_source(const SocketAddress& remote) {
  Fd s;
  s.fd = ::socket(remote.ip.is_v4() ? AF_INET : AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s.fd < 0) return std::nullopt;
  sockaddr_storage ss;
  socklen_t len = to_sockaddr(remote, ss);
  if (::connect(s.fd, reinterpret_cast<sockaddr*>(&ss), len) != 0) return std::nullopt;
  len = sizeof ss;
  if (::getsockname(s.fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return std::nullopt;
  return from_sockaddr(ss).ip;
}

}  // namespace confab::net
