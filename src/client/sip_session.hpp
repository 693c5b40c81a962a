#pragma once
// What `confab register`, `call` and `listen` share: the account (AOR,
// password, server), one UDP socket, a sip::UserAgent, and a poll loop that
// feeds it and stops cleanly on SIGINT/SIGTERM.
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "call/call_media.hpp"
#include "core/rng.hpp"
#include "net/poll_loop.hpp"
#include "net/udp_socket.hpp"
#include "sip/user_agent.hpp"

namespace confab::client {

struct SipAccountOptions {
  std::string aor;            // USER@DOMAIN (a "sip:" prefix is accepted)
  std::string server;         // HOST[:PORT]; "" = the domain
  std::string password_file;  // first line; else CONFAB_PASSWORD, else a prompt on a terminal
  std::uint32_t expires = 3600;
  bool json = false;
  std::string transport = "udp";  // udp | tls (one TLS connection to the server, port 5061 by default)
  std::string ca_file;            // tls: trust this PEM (e.g. confabd's self-signed certificate)
  bool insecure = false;          // tls: accept any certificate
};

// The process's stop request (SIGINT/SIGTERM), installed once without
// SA_RESTART so poll(2) wakes up.
void install_stop_handlers();
bool stop_requested();

class SipSession {
 public:
  // Resolves the server, binds the socket, reads the password. On failure
  // prints why (prefixed with `command`) and sets `exit_code`.
  static std::unique_ptr<SipSession> open(const std::string& command, const SipAccountOptions& o, int& exit_code);

  sip::UserAgent& ua() { return *ua_; }
  const sip::UaConfig& config() const { return config_; }
  Rng& rng() { return rng_; }

  // A call's media machine and its sockets, driven alongside the UA from
  // now on; detach_media() stops that and closes the sockets.
  void attach_media(call::CallMedia* media, std::vector<net::UdpSocket> sockets);
  void detach_media() {
    media_ = nullptr;
    sockets_.resize(1);
  }

  // Runs until `done()` is true or `give_up_at` passes (false then). After
  // every wakeup `on_event` sees each UA event and `tick(now)` runs (for the
  // caller's own deadlines and the stop request).
  bool run(Instant give_up_at, const std::function<void(Instant, const sip::UaEvent&)>& on_event,
           const std::function<void(Instant)>& tick, const std::function<bool()>& done);

 private:
  SipSession() = default;
  sip::UaConfig config_;
  SystemRng rng_;
  std::vector<net::UdpSocket> sockets_;  // [0]: SIP over UDP; then the media sockets
  std::unique_ptr<net::StreamPort> stream_;  // SIP over TLS
  std::unique_ptr<sip::UserAgent> ua_;
  sip::UserAgent* ua_raw_ = nullptr;  // what the TLS port hands messages to
  call::CallMedia* media_ = nullptr;
};

// "603 Decline" style text for output.
std::string status_text(int status, const std::string& reason);

}  // namespace confab::client
