#pragma once
// Runs a DatagramHandler on N worker threads. Each worker binds every address
// itself with SO_REUSEPORT, so the kernel spreads sources across workers and
// no packet crosses a thread; each drains its sockets with recvmmsg and
// answers with sendmmsg.
#include <functional>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "core/address.hpp"
#include "net/datagram_handler.hpp"

namespace confab::net {

struct UdpServiceConfig {
  std::string name;                      // for errors: "snatmap"
  std::vector<SocketAddress> addresses;  // bound by every worker
  unsigned workers = 1;
  std::size_t max_datagram = 1500;       // larger datagrams arrive truncated: handlers see junk and drop it
  std::size_t batch = 64;
};

struct BindError {
  SocketAddress address;
  std::error_code error;
};

class UdpService {
 public:
  using HandlerFactory = std::function<std::unique_ptr<DatagramHandler>(unsigned worker)>;

  // Binds everything before starting any thread, so a taken port is reported
  // (which address, which error) and nothing is left half-running.
  static std::unique_ptr<UdpService> start(const UdpServiceConfig& config, const HandlerFactory& make_handler,
                                           BindError& error);
  ~UdpService();  // stops and joins
  void stop();

  // The addresses actually bound (port 0 in the config becomes the real port).
  const std::vector<SocketAddress>& bound_addresses() const { return bound_; }

 private:
  UdpService() = default;
  struct Worker;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::vector<SocketAddress> bound_;
};

}  // namespace confab::net
