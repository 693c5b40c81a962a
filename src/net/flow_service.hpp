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

// What a TLS connection tells the core once its handshake is done: the
// channel-binding data SASL's -PLUS mechanisms need.
struct TlsInfo {
  std::string version;                // "TLSv1.3"
  Bytes exporter;                     // RFC 9266 tls-exporter (32 bytes); empty if unsafe (TLS 1.2 without EMS)
  Bytes server_end_point;             // RFC 5929 tls-server-end-point: hash of our certificate
};

// What a core may ask of a connection besides sending on it.
struct FlowCommand {
  enum class Kind {
    start_tls,    // after what is queued is written, run a TLS server handshake on this connection (STARTTLS)
    start_tls_client,  // the same as the client: an outgoing connection's STARTTLS (XMPP s2s). The peer's
                       // certificate is not verified here: the protocol authenticates it (dialback)
    close,        // after what is queued is written, close it
  };
  FlowId flow = no_flow;
  Kind kind = Kind::close;
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
  // A connection was accepted (or, for TLS listeners, its handshake is done:
  // handle_flow_secured follows at once).
  virtual void handle_flow_opened(Instant, FlowId, Transport, const SocketAddress& /*local*/,
                                  const SocketAddress& /*remote*/) {}
  // A transmit with no flow opened this outgoing TCP connection to `remote`
  // (the connect is under way): from now on it is `flow`, and its failure
  // is a handle_flow_closed like any other.
  virtual void handle_flow_connecting(Instant, FlowId, const SocketAddress& /*remote*/) {}
  // A TLS handshake finished on this flow (direct TLS, or after start_tls).
  virtual void handle_flow_secured(Instant, FlowId, const TlsInfo&) {}
  virtual std::optional<FlowCommand> poll_command() { return std::nullopt; }
  // A core may hold all its output (transmits and commands) until the reads
  // that are ready now have all been handed to it: the XMPP core commits
  // what they stored in one transaction, before any of it goes out. While
  // holding() is true the service does not poll it; it calls
  // handle_round_end() once those reads are done, then polls again.
  virtual bool holding() const { return false; }
  virtual void handle_round_end(Instant) {}
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
  Framer framer;  // splits TCP/TLS byte streams into messages; empty: every read is handed over as it came
  bool starttls = false;  // cores may upgrade TCP connections (FlowCommand::start_tls); needs tls_files
  // After a TLS 1.3 handshake, protect records ourselves and free OpenSSL's
  // connection object (~20 KiB): see tls13_records.hpp. Also turns off TLS
  // 1.3 session tickets (resumption needs a full handshake).
  bool tls_offload = true;
  // The core's timer may fire this much after its deadline (see pump()).
  Duration timer_slack = std::chrono::milliseconds(10);
};

struct FlowStats {
  std::uint64_t datagrams_in = 0, datagrams_out = 0;
  std::uint64_t connections_open = 0, connections_accepted = 0, connections_refused = 0;
  std::uint64_t closed_invalid = 0, closed_idle = 0, tls_handshake_failures = 0;
  std::uint64_t send_failures = 0;
  std::uint64_t tls_offloaded = 0;  // TLS 1.3 connections whose records we protect ourselves
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
