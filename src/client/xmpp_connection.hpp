#pragma once
// What every XMPP subcommand of `confab` shares: the account options, one
// connection (TCP + STARTTLS, or direct TLS on 5223) driven through an
// xmpp::ClientSession to an established, bound stream, and the small loop
// that moves bytes both ways.
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "core/rng.hpp"
#include "net/stream_client.hpp"
#include "xmpp/client_session.hpp"

namespace confab::client {

struct XmppAccountOptions {
  std::string jid;             // --as: ME@DOMAIN to log in as
  std::string server;          // HOST[:PORT]; "" = the domain, port 5222 (5223 with --direct-tls)
  std::string password_file;   // first line; else $CONFAB_PASSWORD, else a prompt
  std::string resource = "confab";
  bool direct_tls = false;     // XEP-0368: TLS from the first byte
  std::string ca_file;         // trust this PEM (e.g. confabd's <data_dir>/tls/<domain>.crt)
  bool insecure = false;       // accept any certificate
  bool json = false;
  int timeout = 15;            // seconds for connecting and logging in
};

class XmppConnection {
 public:
  // Connects and logs in. On failure prints why (prefixed with `command`),
  // sets `exit_code` (3: unreachable, 4: refused by the server, 2: usage).
  static std::unique_ptr<XmppConnection> open(const std::string& command, const XmppAccountOptions& o,
                                              int& exit_code);
  ~XmppConnection();

  xmpp::ClientSession& session() { return session_; }
  const net::StreamClient& stream() const { return *stream_; }

  // Writes what the session has queued. False when the connection broke.
  bool flush();
  // Reads for up to `wait` and feeds the session; false when the session
  // ended (closed or failed) or the connection broke.
  bool pump(std::chrono::milliseconds wait);
  // Sends `stanza` and waits (up to `wait`) for the stanza `match` accepts;
  // stanzas it does not accept go to `other`. nullopt on timeout or end.
  std::optional<xmpp::Element> request(const xmpp::Element& stanza,
                                       const std::function<bool(const xmpp::Element&)>& match,
                                       std::chrono::milliseconds wait,
                                       const std::function<void(const xmpp::Element&)>& other = {});
  // </stream:stream>, and wait briefly for the server's.
  void close();
  std::string last_error() const { return error_; }

 private:
  explicit XmppConnection(xmpp::ClientConfig config) : session_(std::move(config), rng_) {}
  SystemRng rng_;  // before session_, which keeps a reference
  std::unique_ptr<net::StreamClient> stream_;
  xmpp::ClientSession session_;
  std::optional<net::TlsClientOptions> tls_;
  std::string error_;
};

}  // namespace confab::client
