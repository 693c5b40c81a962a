#pragma once
// SIP wired to sockets: the sans-I/O sip::ServerCore on a FlowService (UDP,
// TCP and TLS on one thread), digest HA1 from the account store, a nonce
// secret kept in the data directory so nonces survive restarts.
#include <spdlog/logger.h>

#include <functional>
#include <memory>
#include <string>

#include "core/result.hpp"
#include "core/transmit.hpp"
#include "server/config.hpp"
#include "store/account_store.hpp"

namespace confab::net {
class FlowService;
}

namespace confab::server {

class SipService {
 public:
  // Requests to a "portcheck-<token>" user are `confab portcheck`'s SIP ALG
  // probes: answered here statelessly and handed to `portcheck_probes`
  // (when given) instead of the registrar and proxy.
  using ProbeSink = std::function<void(Transport, const SocketAddress& remote, ByteView message)>;
  static Result<std::unique_ptr<SipService>, std::string> start(const Config& config, store::AccountStore& accounts,
                                                                 std::shared_ptr<spdlog::logger> log,
                                                                 ProbeSink portcheck_probes = {});
  ~SipService();
  void stop();
  // Counters, listeners and table sizes as JSON text (for `confabd status`).
  std::string status_json();
  std::string counters_line();

 private:
  SipService() = default;
  std::unique_ptr<net::FlowService> flows_;
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace confab::server
