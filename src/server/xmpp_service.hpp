#pragma once
// confabd's XMPP server: client connections on 5222 (STARTTLS) and 5223
// (direct TLS, XEP-0368) through the flow service, one xmpp::C2sSession per
// connection for stream negotiation (TLS, SASL, bind), and one xmpp::Router
// for everything after (roster, presence, messages, offline storage).
#include <spdlog/logger.h>

#include <memory>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "server/config.hpp"
#include "store/account_store.hpp"

namespace confab::net {
class FlowService;
}
namespace confab::xmpp {
class Component;
}

namespace confab::server {

class XmppService {
 public:
  // `components` (e.g. the upload service's) join the router; they are
  // driven on the XMPP thread and must outlive this service.
  static Result<std::unique_ptr<XmppService>, std::string> start(const Config& config, store::AccountStore& accounts,
                                                                  std::shared_ptr<spdlog::logger> log,
                                                                  std::vector<xmpp::Component*> components = {});
  ~XmppService();
  // Ends every session (system-shutdown; XEP-0198: unacknowledged stanzas
  // to offline storage), then stops the thread. Once.
  void stop();
  std::string status_json();
  std::string counters_line();

 private:
  XmppService() = default;
  struct State;
  std::unique_ptr<State> state_;
  std::unique_ptr<net::FlowService> flows_;
  bool stopped_ = false;
};

}  // namespace confab::server
