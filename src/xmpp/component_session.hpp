#pragma once
// One external component's connection to the server (XEP-0114, the accept
// side: the component connects, the server listens), sans-I/O. The
// component opens a stream in jabber:component:accept to the domain it
// serves, proves it knows that domain's secret with
// <handshake>hex(SHA-1(stream id + secret))</handshake>, and from then on
// exchanges stanzas with the server, stamping its own `from`.
//
//   ComponentSession s(config, {.id = conn_id, .source = peer_ip}, binder, rng, &limiter, now);
//   on read:     s.handle_bytes(now, bytes);
//   on EOF:      s.handle_eof(now);
//   on timer:    s.handle_timeout(now);               // deadline: s.poll_timeout()
//   after each:  while (auto out = s.poll_output()) write *out;
//                while (auto st = s.poll_inbound()) route *st (jabber:client, `from` in s.domain());
//                while (auto ev = s.poll_event()) log it;
//                if (s.wants_close()) { flush the writes, then close the socket; }
//   the router:  s.send(stanza);   // jabber:client in, jabber:component:accept on the wire
//
// The binder is asked for the domain when the handshake is right, so two
// connections never serve one domain: the second gets <conflict/>.
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "core/bytes.hpp"
#include "core/rng.hpp"
#include "core/time.hpp"
#include "sasl/auth_limiter.hpp"
#include "xmpp/component_config.hpp"
#include "xmpp/stanza_error.hpp"
#include "xmpp/stream_error.hpp"
#include "xmpp/stream_header.hpp"
#include "xmpp/xml_element.hpp"
#include "xmpp/xml_stream_parser.hpp"

namespace confab::xmpp {

// Who serves which component domain (the I/O layer, over the router).
class ComponentBinder {
 public:
  virtual ~ComponentBinder() = default;
  // `session` proved it knows `domain`'s secret: it serves the domain from
  // now on, unless another connection does already (false: conflict).
  virtual bool claim_component(std::uint64_t session, const std::string& domain) = 0;
};

// For status output: a service adds its sessions' counters up (+=).
struct ComponentCounters {
  std::uint64_t streams = 0;             // stream headers answered
  std::uint64_t handshakes = 0;          // successful handshakes
  std::uint64_t handshake_failures = 0;  // wrong secrets (not-authorized)
  std::uint64_t locked_out = 0;          // handshakes refused while the address was locked (policy-violation)
  std::uint64_t conflicts = 0;           // right secret, domain already connected
  std::uint64_t stanzas_in = 0;          // handed to poll_inbound()
  std::uint64_t stanzas_out = 0;         // written by send()
  std::uint64_t dropped_out = 0;         // send() before the handshake or after the close
  std::uint64_t rate_limited = 0;        // stanzas over stanzas_per_second
  std::uint64_t stanza_errors = 0;       // error replies the session made itself
  std::uint64_t stream_errors = 0;       // <stream:error/>s sent, whatever the cause
  std::uint64_t xml_errors = 0;          // of those, found by the XML layer
  std::uint64_t timeouts = 0;            // no handshake in time

  ComponentCounters& operator+=(const ComponentCounters& o);
};

// Things worth a log line, polled (poll_event()).
struct ComponentConnected {
  std::string domain;
};
struct ComponentHandshakeFailed {
  std::string domain;
  std::string reason;  // "wrong secret", "address locked until ..."
};
struct ComponentStreamErrorSent {
  StreamErrorCondition condition;
  std::string detail;
};
using ComponentEvent = std::variant<ComponentConnected, ComponentHandshakeFailed, ComponentStreamErrorSent>;

class ComponentSession {
 public:
  // `config`, `binder`, `rng` and `limiter` (null: no limit on failed
  // handshakes) must outlive the session; config must pass validate().
  // `now` starts the handshake deadline.
  ComponentSession(const ComponentConfig& config, ComponentConnection connection, ComponentBinder& binder, Rng& rng,
                   sasl::AuthLimiter* limiter, Instant now);

  void handle_bytes(Instant now, ByteView bytes);
  void handle_bytes(Instant now, std::string_view bytes) { handle_bytes(now, as_bytes(bytes)); }
  // The peer closed the connection (or it broke): the session is over.
  void handle_eof(Instant now);
  void handle_timeout(Instant now);
  // The handshake deadline, until the handshake succeeds.
  std::optional<Instant> poll_timeout() const;

  // Everything to write, in order, as one string; nullopt when nothing is pending.
  std::optional<std::string> poll_output();
  // A stanza from the component, once connected: <message/>, <presence/> or
  // <iq/> in jabber:client (renamed from jabber:component:accept), `from` a
  // JID of domain(), `to` a valid JID in canonical form.
  std::optional<Element> poll_inbound();
  std::optional<ComponentEvent> poll_event();

  // A stanza for the component (jabber:client, as the router has it).
  // Dropped (and counted) before the handshake or after the close.
  void send(const Element& stanza);
  // Closes our stream; with a condition, after a <stream:error/>.
  void close();
  void close(StreamErrorCondition condition, std::string text = {});

  bool wants_close() const { return stage_ == Stage::closed; }
  bool is_connected() const { return stage_ == Stage::open; }
  // The domain served, once the handshake succeeded (empty before).
  const std::string& domain() const { return domain_; }
  std::uint64_t id() const { return connection_.id; }
  const ComponentCounters& counters() const { return counters_; }

  // hex(SHA-1(stream_id + secret)), lowercase: XEP-0114 §3's handshake.
  static std::string handshake_digest(std::string_view stream_id, std::string_view secret);

 private:
  enum class Stage : std::uint8_t {
    header,     // waiting for the component's stream header
    handshake,  // our header is out; waiting for <handshake/>
    open,       // connected: stanzas both ways
    closed,     // our </stream:stream> is out (or the connection is gone)
  };

  // component_session.cpp: the stream and the handshake.
  void process(Instant now);
  void on_header(const StreamHeader& header);
  void on_handshake(Instant now, const Element& handshake);
  void open_stream_reply(const std::optional<std::string>& to);
  void write(const Element& element);
  void fail(StreamErrorCondition condition, std::string text, std::string detail = {});
  void finish();

  // component_stanza.cpp: traffic after the handshake.
  void on_stanza(Instant now, Element stanza);
  bool within_rate(Instant now);
  void reply_error(const Element& stanza, const StanzaError& error);

  const ComponentConfig* config_;
  ComponentConnection connection_;
  ComponentBinder* binder_;
  Rng* rng_;
  sasl::AuthLimiter* limiter_;

  Stage stage_ = Stage::header;
  bool header_sent_ = false;
  StreamParser parser_;
  const ComponentSecret* wanted_ = nullptr;  // the entry the header's `to` named
  std::string domain_;                       // set by a successful handshake
  StreamHeader our_header_;
  Scope scope_;
  Instant deadline_;
  double tokens_ = 0;  // the stanza rate's bucket
  Instant refilled_{};

  std::string output_;
  std::deque<Element> inbound_;
  std::deque<ComponentEvent> events_;
  ComponentCounters counters_;
};

// Every element of `element` (itself included) in namespace `from` is put
// in `to`: a component stream's stanzas and their default-namespace
// children (<body/>, <error/>...) are jabber:component:accept on the wire
// and jabber:client inside the server.
void rename_namespace(Element& element, std::string_view from, std::string_view to);

}  // namespace confab::xmpp
