#pragma once
// Plain (no TLS) non-blocking TCP for link-local messaging (XEP-0174): a
// listener that takes IPv4 and IPv6 when the host has both, accept, and a
// connect that the caller's poll loop completes.
#include <cstdint>
#include <optional>
#include <string>

#include "core/address.hpp"
#include "core/result.hpp"

namespace confab::net {

// Listens on every address, `port` (0: any free one; the real port is returned).
struct TcpListener {
  int fd = -1;
  std::uint16_t port = 0;
};
Result<TcpListener, std::string> listen_tcp(std::uint16_t port);

struct AcceptedTcp {
  int fd = -1;
  SocketAddress remote;
};
// A waiting connection (non-blocking), or nullopt.
std::optional<AcceptedTcp> accept_tcp(int listen_fd);

// Starts connecting (non-blocking); `scope` is the interface of a
// link-local IPv6 address. Poll the descriptor for POLLOUT, then ask
// connect_result().
Result<int, std::string> connect_tcp(const SocketAddress& to, std::uint32_t scope = 0);
// Empty when connected, else why not ("connection refused").
std::string connect_result(int fd);

}  // namespace confab::net
