#pragma once
// The port-check service wired to sockets: diag::PortcheckServer (the
// sans-I/O core) on one asio thread with the TCP control port, the echo
// ports it opens and closes on request, a UDP socket for unsolicited
// probes, and outbound TCP connections for inbound TCP probes.
// Protocol and safety rules: src/diag/README.md.
#include <spdlog/logger.h>

#include <functional>
#include <memory>
#include <string>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "core/transmit.hpp"
#include "server/config.hpp"

namespace confab::server {

// What the SIP service calls with each port-check SIP probe it receives
// (from its own thread).
using SipProbeSink = std::function<void(Transport, const SocketAddress& remote, ByteView message)>;

class PortcheckService {
 public:
  static Result<std::unique_ptr<PortcheckService>, std::string> start(const Config& config,
                                                                       std::shared_ptr<spdlog::logger> log);
  ~PortcheckService();
  void stop();
  // Thread-safe: hands a SIP probe to the core's thread.
  SipProbeSink sip_probe_sink();
  std::string status_json();   // counters, sessions, open echo ports (for `confabd status`)
  std::string counters_line();

 private:
  PortcheckService() = default;
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace confab::server
