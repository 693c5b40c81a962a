#pragma once
// Serves a message-framed protocol over TCP: accepts on each address, splits
// the byte stream into messages with the protocol's framer, hands each to the
// handler and writes the answer back on the same connection. One thread; per
// connection one reader coroutine and one idle watchdog (asio chat_server style).
#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/address.hpp"
#include "core/bytes.hpp"
#include "core/time.hpp"
#include "net/datagram_handler.hpp"
#include "net/udp_service.hpp"  // BindError

namespace confab::net {

struct StreamFrame {
  enum class State { incomplete, complete, invalid } state = State::incomplete;
  std::size_t size = 0;  // when complete: bytes the message at the front occupies
};
using Framer = std::function<StreamFrame(ByteView buffered)>;

struct TcpServiceConfig {
  std::string name;
  std::vector<SocketAddress> addresses;
  std::size_t max_connections = 1024;
  Duration idle_timeout = std::chrono::seconds(30);
  std::size_t max_message_size = 1500;
  Framer framer;
};

struct TcpStats {
  std::uint64_t accepted = 0;
  std::uint64_t refused_over_limit = 0;  // closed at once: max_connections reached
  std::uint64_t closed_invalid = 0;      // unframeable or oversized input
  std::uint64_t closed_idle = 0;
  std::uint64_t open = 0;
};

class TcpService {
 public:
  static std::unique_ptr<TcpService> start(const TcpServiceConfig& config, std::unique_ptr<DatagramHandler> handler,
                                           BindError& error);
  ~TcpService();
  void stop();
  const std::vector<SocketAddress>& bound_addresses() const { return bound_; }
  TcpStats stats() const;

 private:
  TcpService() = default;
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::vector<SocketAddress> bound_;
};

}  // namespace confab::net
