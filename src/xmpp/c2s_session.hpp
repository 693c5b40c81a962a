#pragma once
// One client-to-server XMPP connection (RFC 6120), sans-I/O: the stream
// negotiation — stream headers and features (§4), STARTTLS (§5), SASL (§6),
// resource binding (§7) — and then its stanzas, `from`-stamped (§8.1.2.1),
// in and out. Bytes in, bytes out; the TLS handshake, the socket and the
// clock belong to the I/O layer, which drives it like this:
//
//   C2sSession s(config, {.id = conn_id, .source = peer_ip}, lookup, router, rng, &limiter, now);
//   on read:     s.handle_bytes(now, bytes);
//   on EOF:      s.handle_eof(now);
//   on timer:    s.handle_timeout(now);               // deadline: s.poll_timeout()
//   after each:  while (auto out = s.poll_output()) write *out;
//                while (auto st = s.poll_inbound()) router.handle_stanza(now, conn_id, *st);
//                while (auto ev = s.poll_event()) log it;
//                if (s.wants_tls()) { handshake; s.tls_established(now, bindings); }
//                if (s.wants_close()) { flush the writes, then close the socket; }
//   the router:  s.send(stanza);  s.close_with_error(stream_error);
//
// Output polled before wants_tls() turns true is plaintext (it ends with
// <proceed/>); nothing more is written until tls_established(). After
// wants_close() nothing more is written at all.
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
#include "sasl/failure.hpp"
#include "sasl/mechanism.hpp"
#include "sasl/server_session.hpp"
#include "xmpp/c2s_config.hpp"
#include "xmpp/jid.hpp"
#include "xmpp/resource_binder.hpp"
#include "xmpp/router_types.hpp"
#include "xmpp/stanza_error.hpp"
#include "xmpp/stream_error.hpp"
#include "xmpp/stream_header.hpp"
#include "xmpp/xml_element.hpp"
#include "xmpp/xml_stream_parser.hpp"

namespace confab::xmpp {

// For status output: a service adds its sessions' counters up (+=).
struct C2sCounters {
  std::uint64_t streams = 0;         // stream headers answered, restarts included
  std::uint64_t tls = 0;             // STARTTLS handshakes completed
  std::uint64_t auth_successes = 0;
  std::uint64_t auth_failures = 0;   // SASL <failure/>s sent
  std::uint64_t binds = 0;
  std::uint64_t bind_errors = 0;     // bind requests answered with an error
  std::uint64_t stanzas_in = 0;      // handed to poll_inbound()
  std::uint64_t stanzas_out = 0;     // written by send()
  std::uint64_t stanza_errors = 0;   // error replies the session made itself (jid-malformed...)
  std::uint64_t dropped_out = 0;     // send() before binding or after the close
  std::uint64_t stream_errors = 0;   // <stream:error/>s sent, whatever the cause
  std::uint64_t xml_errors = 0;      // of those, found by the XML layer (not-well-formed, limits...)
  std::uint64_t timeouts = 0;        // negotiation not done in time
  std::uint64_t tls_injections = 0;  // plaintext after <starttls/> (CVE-2011-0411)
  std::uint64_t sm_enabled = 0;      // XEP-0198 streams with acks
  std::uint64_t sm_resumed = 0;      // sessions resumed on a new connection
  std::uint64_t sm_resend = 0;       // unacknowledged stanzas sent again after a resume

  C2sCounters& operator+=(const C2sCounters& o);
};

// Things worth a log line, polled (poll_event()).
struct AuthSucceeded {
  Jid account;  // bare
  sasl::Mechanism mechanism;
};
struct AuthFailed {
  sasl::Failure failure;  // failure.message() says why, for the log only
};
struct ResourceBound {
  Jid jid;  // full
};
struct StreamErrorSent {
  StreamErrorCondition condition;
  std::string detail;  // for the log: where an XML error was found, what was refused
};
// XEP-0198: the client enabled stream management with resumption; the
// I/O layer keeps the session for `previd` when the connection drops.
struct SmEnabled {
  std::string id;
};
// XEP-0198: after authenticating, the client asks to resume session `previd`
// having handled `h` of our stanzas. Answer with resume_from() or resume_failed().
struct ResumeRequested {
  std::string previd;
  std::uint32_t h = 0;
};
using C2sEvent = std::variant<AuthSucceeded, AuthFailed, ResourceBound, StreamErrorSent, SmEnabled, ResumeRequested>;

class C2sSession {
 public:
  // `config`, `binder`, `rng` and `limiter` (null: no limits) must outlive
  // the session; config must pass validate(). `now` starts the
  // negotiation deadline.
  C2sSession(const C2sConfig& config, C2sConnection connection, AccountLookup lookup, ResourceBinder& binder,
             Rng& rng, sasl::AuthLimiter* limiter, Instant now);

  // Bytes read from the connection (decrypted, once TLS is up).
  void handle_bytes(Instant now, ByteView bytes);
  void handle_bytes(Instant now, std::string_view bytes) { handle_bytes(now, as_bytes(bytes)); }
  // The peer closed the connection (or it broke): the session is over.
  void handle_eof(Instant now);
  void handle_timeout(Instant now);
  // The negotiation deadline, until a resource is bound.
  std::optional<Instant> poll_timeout() const;

  // After wants_tls(): the handshake succeeded. `bindings` is this
  // connection's channel-binding data (tls-exporter...), which enables the
  // SCRAM -PLUS mechanisms. The client now opens a new stream.
  void tls_established(Instant now, std::vector<sasl::ChannelBinding> bindings);

  // Everything to write, in order, as one string; nullopt when nothing is
  // pending.
  std::optional<std::string> poll_output();
  // A stanza from the client for the router, once bound: <message/>,
  // <presence/> or <iq/> with `from` set to the bound full JID and `to`
  // (when present) a valid JID in canonical form; or a first-level element
  // of a config.routed_namespaces namespace, as it came.
  std::optional<Element> poll_inbound();
  std::optional<C2sEvent> poll_event();

  // A stanza for the client (jabber:client). Dropped (and counted) before
  // a resource is bound or after the close. `now` is when it was sent (what
  // an unacknowledged stanza's <delay/> says if it ends up stored offline);
  // without it, the last time the session was given.
  void send(const Element& stanza, Instant now);
  void send(const Element& stanza) { send(stanza, last_now_); }
  // Closes our stream (</stream:stream>); with a condition, after a
  // <stream:error/> (system-shutdown, conflict...), `text` going to the client.
  void close();
  void close(StreamErrorCondition condition, std::string text = {});
  // Closes with a ready-made <stream:error/> (the router's Delivery::close).
  void close_with_error(const Element& stream_error);

  // --- XEP-0198 stream management ---------------------------------------
  // The connection dropped without a clean close: keep the session (bound
  // JID, unacknowledged stanzas) for a resume; send() keeps queueing.
  void detach();
  bool is_detached() const { return detached_; }
  // Whether a dropped connection should be kept for a resume.
  bool resumable() const { return sm_resumable_ && jid_.has_value() && !closed_by_client_; }
  const std::string& sm_id() const { return sm_id_; }
  // Answers a ResumeRequested: this session (new connection, authenticated
  // as the same account) takes over `old`'s bound JID, router session id,
  // counters and unacknowledged stanzas, and sends those the client has not
  // seen again. `old` is spent afterwards.
  void resume_from(C2sSession& old, std::uint32_t h);
  void resume_failed();
  // The session is over for good (closed, replaced, or never resumed):
  // what the client was sent, or would have been, and never acknowledged,
  // oldest first. XEP-0198 §5: the router treats these as stanzas to an
  // unavailable resource (Router::unacked_stanzas). Empty without stream
  // management, and after the first call.
  std::vector<UnackedStanza> take_unacked();
  static constexpr std::size_t max_unacked = 1000;  // beyond: the session ends (resource-constraint)

  bool wants_tls() const { return stage_ == Stage::tls_handshake; }
  bool wants_close() const { return stage_ == Stage::closed; }
  bool is_established() const { return jid_.has_value() && stage_ == Stage::open; }
  bool is_tls() const { return tls_; }
  bool is_authenticated() const { return account_.has_value(); }
  // The bare JID authenticated with SASL, then the full JID bound.
  const std::optional<Jid>& account() const { return account_; }
  const std::optional<Jid>& bound_jid() const { return jid_; }
  // The domain the client's stream is for (empty before its header).
  const std::string& domain() const { return domain_; }
  std::uint64_t id() const { return connection_.id; }
  const C2sCounters& counters() const { return counters_; }

 private:
  enum class Stage : std::uint8_t {
    header,         // waiting for the client's stream header (first, after TLS, after SASL)
    open,           // our header and features are out; negotiating or established
    tls_handshake,  // <proceed/> sent; waiting for tls_established()
    closed,         // our </stream:stream> is out (or the connection is gone)
  };

  // c2s_session.cpp: the stream.
  void process(Instant now);
  void on_header(const StreamHeader& header);
  void on_element(Instant now, Element element);
  void open_stream_reply(const std::optional<std::string>& client_lang, const std::optional<std::string>& client_from);
  void write(const Element& element);
  void fail(StreamErrorCondition condition, std::string text, std::string detail = {});
  void fail_xml(const StreamError& error);
  void finish();
  void restart_parser(bool authenticated);

  // c2s_features.cpp: <stream:features/> for the stage reached.
  Element features() const;

  // c2s_auth.cpp: STARTTLS and SASL.
  void on_starttls();
  void on_sasl(Instant now, const Element& element);
  void sasl_step(sasl::Step step);
  void sasl_failure(const sasl::Failure& failure);
  void sasl_success(const std::string& data);
  std::optional<Jid> account_of(const sasl::Identity& identity) const;
  void new_sasl_session();
  sasl::CredentialsLookup lookup_for_domain() const;

  // c2s_bind.cpp: resource binding and the RFC 3921 session request.
  void on_bind(const Element& iq);
  void reply_iq_error(const Element& iq, StanzaError error);

  // c2s_sm.cpp: XEP-0198.
  void on_sm(const Element& element);
  void count_inbound();
  void queue_unacked(const Element& stanza, Instant now);

  // c2s_stanza.cpp: established traffic.
  void on_stanza(Element stanza);
  bool is_session_request(const Element& iq) const;

  const C2sConfig* config_;
  C2sConnection connection_;
  AccountLookup lookup_;
  ResourceBinder* binder_;
  Rng* rng_;
  sasl::AuthLimiter* limiter_;

  Stage stage_ = Stage::header;
  bool tls_ = false;
  bool header_sent_ = false;        // our header on the current stream
  bool close_sent_ = false;
  StreamParser parser_;
  const sasl::ServerConfig* host_ = nullptr;  // of domain_
  std::string domain_;
  std::string lang_;                // the client's xml:lang, stamped on its stanzas
  StreamHeader our_header_;
  Scope scope_;
  std::optional<sasl::ServerSession> sasl_;
  std::uint32_t auth_failures_ = 0;  // on this stream (RFC 6120 §6.4.5 retries): wrong credentials
  std::uint32_t sasl_attempts_ = 0;  // every failed exchange, whatever the reason
  std::optional<Jid> account_;
  std::optional<Jid> jid_;
  Instant deadline_;

  // XEP-0198 state: h counters are modulo 2^32 (§4).
  bool sm_enabled_ = false;
  bool sm_resumable_ = false;
  bool detached_ = false;
  bool closed_by_client_ = false;
  std::string sm_id_;
  std::uint32_t sm_handled_in_ = 0;  // client stanzas we handled: our h
  std::uint32_t sm_acked_out_ = 0;   // our stanzas the client said it handled
  std::deque<UnackedStanza> sm_unacked_;  // sent (or queued while detached), not yet acknowledged
  Instant last_now_{};               // the latest time the I/O layer gave

  std::string output_;
  std::deque<Element> inbound_;
  std::deque<C2sEvent> events_;
  C2sCounters counters_;
};

}  // namespace confab::xmpp
