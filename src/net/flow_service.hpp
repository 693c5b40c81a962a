#pragma once
// Runs one sans-I/O "core" over UDP, TCP and TLS at once, on one thread.
//
// Every connection is a *flow* with an id; the core sees which flow a message
// arrived on and can send on any flow later — what a SIP registrar needs to
// reach a user behind NAT over the connection it registered from (RFC 5626).
// UDP has no connections: its flow id is 0 and answers go by address.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/address.hpp"
#include "core/time.hpp"
#include "core/transmit.hpp"
#include "core/bytes.hpp"
#include "net/udp_service.hpp"  // BindError

namespace confab::net {

// How a protocol splits a TCP/TLS byte stream into messages.
struct StreamFrame {
  enum class State { incomplete, complete, invalid } state = State::incomplete;
  std::size_t size = 0;  // when complete: bytes the message at the front occupies
};
using Framer = std::function<StreamFrame(ByteView buffered)>;

using FlowId = std::uint64_t;
inline constexpr FlowId no_flow = 0;

struct FlowTransmit {
  Transmit transmit;
  // Send on this connection if it is still open; otherwise (or for no_flow)
  // by transport and address, opening a TCP/TLS connection if needed.
  FlowId flow = no_flow;
};

// What the service runs. Called only on the service's thread.
class FlowCore {
 public:
  virtual ~FlowCore() = default;
  virtual void handle_datagram(Instant now, const Datagram& d, FlowId flow) = 0;
  virtual void handle_flow_closed(Instant now, FlowId flow) = 0;
  virtual void handle_timeout(Instant now) = 0;
  virtual std::optional<FlowTransmit> poll_transmit() = 0;
  virtual std::optional<Instant> poll_timeout() const = 0;
};

struct TlsFiles {
  std::filesystem::path certificate;  // PEM chain
  std::filesystem::path private_key;  // PEM
};

struct FlowServiceConfig {
  std::string name;
  std::vector<SocketAddress> udp;
  std::vector<SocketAddress> tcp;
  std::vector<SocketAddress> tls;
  std::optional<TlsFiles> tls_files;  // required when `tls` is not empty
  std::size_t max_message_size = 65535;
  std::size_t max_connections = 4096;
  Duration idle_timeout = std::chrono::seconds(600);
  Framer framer;  // splits TCP/TLS byte streams into messages
  // The core's timer may fire this much after its deadline (see pump()).
  Duration timer_slack = std::chrono::milliseconds(10);
};

struct FlowStats {
  std::uint64_t datagrams_in = 0, datagrams_out = 0;
  std::uint64_t connections_open = 0, connections_accepted = 0, connections_refused = 0;
  std::uint64_t closed_invalid = 0, closed_idle = 0, tls_handshake_failures = 0;
  std::uint64_t send_failures = 0;
};

class FlowService {
 public:
  // Binds everything (errors say which address) and starts the thread.
  static std::unique_ptr<FlowService> start(const FlowServiceConfig& config, std::unique_ptr<FlowCore> core,
                                            BindError& error, std::string& tls_error);
  ~FlowService();
  void stop();
  FlowStats stats() const;
  // Runs `fn` on the service thread with the core (for status queries).
  void with_core(const std::function<void(FlowCore&)>& fn);
  const std::vector<std::string>& listening() const { return listening_; }

 private:
  FlowService() = default;
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::vector<std::string> listening_;
};

}  // namespace confab::net
