#include "server/control.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace confab::server {

namespace {

int connect_unix(const std::filesystem::path& path, std::string& error) {
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  const std::string p = path.string();
  if (p.size() >= sizeof sa.sun_path) {
    error = "control socket path too long: " + p;
    return -1;
  }
  std::memcpy(sa.sun_path, p.c_str(), p.size() + 1);
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    error = std::strerror(errno);
    return -1;
  }
  if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
    error = "no confabd is running (nothing listens on " + p + ": " + std::strerror(errno) + ")";
    ::close(fd);
    return -1;
  }
  timeval tv{5, 0};  // a wedged daemon must not hang the CLI
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  return fd;
}

}  // namespace

Result<std::string, std::string> query_control_socket(const std::filesystem::path& path, const std::string& command) {
  std::string error;
  int fd = connect_unix(path, error);
  if (fd < 0) return unexpected(error);
  std::string line = command + "\n";
  if (::send(fd, line.data(), line.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(line.size())) {
    ::close(fd);
    return unexpected(std::string("control socket: send failed: ") + std::strerror(errno));
  }
  std::string answer;
  char buf[4096];
  for (;;) {
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n < 0) {
      ::close(fd);
      return unexpected(std::string("control socket: no answer: ") + std::strerror(errno));
    }
    if (n == 0) break;
    answer.append(buf, static_cast<std::size_t>(n));
    if (answer.size() > (1 << 20)) break;
  }
  ::close(fd);
  return answer;
}

bool control_socket_alive(const std::filesystem::path& path) {
  std::string error;
  int fd = connect_unix(path, error);
  if (fd < 0) return false;
  ::close(fd);
  return true;
}

}  // namespace confab::server
