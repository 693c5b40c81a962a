#pragma once
// The client side of an XMPP connection (RFC 6120), sans-I/O: what `confab
// chat`, `confab send`... run. It opens the stream, insists on TLS (STARTTLS,
// or a connection that is TLS from the start, XEP-0368), authenticates with
// SCRAM (SCRAM-SHA-256-PLUS bound to the TLS channel when the server offers
// it and the connection can bind; SCRAM-SHA-1 last; PLAIN only over TLS and
// only when allowed), binds a resource, and then carries stanzas both ways.
//
// Driving it: start(); then feed bytes read with handle_bytes(), write what
// poll_output() gives, and when wants_tls() turns true, write what is left,
// run a TLS client handshake on the connection and call tls_established().
// Stanzas that arrive after binding come out of poll_stanza(); send() queues
// one. failure() says why the session ended, if it did.
#include <deque>
#include <memory>
#include <optional>
#include <string>

#include "core/bytes.hpp"
#include "core/rng.hpp"
#include "xmpp/jid.hpp"
#include "xmpp/stream_header.hpp"
#include "xmpp/xml_element.hpp"

namespace confab::xmpp {

struct ClientConfig {
  Jid account;             // the bare JID to log in as
  std::string password;
  std::string resource;    // asked for when binding; empty: the server picks
  bool direct_tls = false; // the connection is TLS before the first byte (port 5223)
  bool allow_plain = false;  // PLAIN (over TLS only) when the server offers no SCRAM
};

// What the TLS layer learned in the handshake, for channel binding.
struct ClientTlsInfo {
  Bytes exporter;  // RFC 9266 tls-exporter; empty when the channel cannot be bound
};

enum class ClientState : std::uint8_t {
  idle,            // start() not called yet
  negotiating,     // stream, TLS, SASL, bind
  established,     // bound: stanzas flow
  closed,          // ended cleanly (either side closed the stream)
  failed,          // ended with an error: see failure()
};

class ClientSession {
 public:
  ClientSession(ClientConfig config, Rng& rng);
  ~ClientSession();
  ClientSession(ClientSession&&) noexcept;
  ClientSession& operator=(ClientSession&&) noexcept;

  void start();
  void handle_bytes(ByteView bytes);
  // The transport closed (EOF or error).
  void handle_closed();
  // After wants_tls(): the handshake is done, a new stream starts. Without
  // a pending STARTTLS (direct TLS), it only records the channel data.
  void tls_established(const ClientTlsInfo& info);

  std::optional<std::string> poll_output();
  bool wants_tls() const;
  ClientState state() const;
  const std::string& failure() const;  // one line, e.g. "authentication failed: not-authorized"
  const Jid& jid() const;              // the full JID once established
  std::string mechanism() const;       // the SASL mechanism used, once authenticated

  std::optional<Element> poll_stanza();
  // Queues a stanza (when established). Its `from` is left to the server.
  void send(const Element& stanza);
  // Sends </stream:stream>; the session is closed once the server closes too.
  void close();

  // Unique ids for iq/message stanzas the caller builds.
  std::string next_id();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace confab::xmpp
