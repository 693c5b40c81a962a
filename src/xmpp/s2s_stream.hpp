#pragma once
// One server-to-server XML stream (RFC 6120 §4-5, XEP-0220), sans-I/O.
// Streams between servers are one-way: an *outgoing* stream carries our
// stanzas to a remote domain, an *incoming* one a remote domain's to us.
//
// Outgoing: header (jabber:server + xmlns:db) -> features -> STARTTLS ->
// header again -> <db:result>key</db:result> -> type='valid' -> stanzas.
// Db:verify requests (checking a key a peer gave us on an incoming stream)
// may travel on it as soon as the features after TLS are in.
// Incoming: the peer's header -> our header and features (starttls,
// dialback) -> STARTTLS -> db:result, verified through the manager, or
// db:verify, answered from our secret -> stanzas from authenticated domains.
//
//   S2sStream s(config, S2sStream::outgoing("a.test", "b.test"), rng, now);   // or ::incoming()
//   on read:      s.handle_bytes(now, bytes);
//   TLS is up:    s.handle_secured(now);          // after an S2sStartTls event
//   after each:   while (auto out = s.poll_output()) write *out;
//                 while (auto ev = s.poll_event()) act on it;
//                 while (auto st = s.poll_inbound()) route *st;
//                 if (s.wants_close()) { flush, then close the socket }
#include <cstdint>
#include <deque>
#include <optional>
#include <set>
#include <string>
#include <variant>

#include "core/bytes.hpp"
#include "core/rng.hpp"
#include "core/time.hpp"
#include "xmpp/s2s_config.hpp"
#include "xmpp/stream_error.hpp"
#include "xmpp/stream_header.hpp"
#include "xmpp/xml_element.hpp"
#include "xmpp/xml_stream_parser.hpp"

namespace confab::xmpp {

// Run a TLS handshake now: as the client on an outgoing stream, as the
// server on an incoming one. Everything before it has been written.
struct S2sStartTls {};
// Outgoing: the stream can carry db:verify requests (TLS done, or refused
// by policy-free peers when require_tls is off).
struct S2sReady {};
// Outgoing: the remote domain accepted our dialback key; stanzas may go.
struct S2sAuthenticated {};
// Incoming: `remote` claims to be itself with `key` for stream `stream_id`
// to our `local`: ask `remote`'s authoritative server (db:verify), then
// call dialback_verified().
struct S2sVerifyNeeded {
  std::string local, remote, stream_id, key;
};
// Outgoing: the authoritative server (`remote`) answered our db:verify
// about stream `stream_id` from `remote` to `local`.
struct S2sVerifyAnswered {
  std::string local, remote, stream_id;
  bool valid = false;
};
// The stream failed or ended; `reason` is for the log.
struct S2sClosed {
  std::string reason;
  bool error = false;  // a stream error (ours or theirs), not a clean close
};
using S2sEvent = std::variant<S2sStartTls, S2sReady, S2sAuthenticated, S2sVerifyNeeded, S2sVerifyAnswered, S2sClosed>;

class S2sStream {
 public:
  enum class Role : std::uint8_t { incoming, outgoing };
  struct Endpoints {
    Role role = Role::incoming;
    std::string local;   // outgoing: our domain (from); incoming: set from the peer's header
    std::string remote;  // outgoing: the domain connected to
  };
  static Endpoints outgoing(std::string local, std::string remote) {
    return {Role::outgoing, std::move(local), std::move(remote)};
  }
  static Endpoints incoming() { return {}; }

  // `config` and `rng` must outlive the stream. An outgoing stream's header
  // is in poll_output() at once.
  S2sStream(const S2sConfig& config, Endpoints endpoints, Rng& rng, Instant now);

  void handle_bytes(Instant now, ByteView bytes);
  void handle_bytes(Instant now, std::string_view bytes) { handle_bytes(now, as_bytes(bytes)); }
  void handle_secured(Instant now);  // the TLS handshake of S2sStartTls finished
  void handle_eof(Instant now);
  std::optional<std::string> poll_output();
  std::optional<S2sEvent> poll_event();
  // Incoming: a stanza from an authenticated remote domain to one of ours,
  // renamed to jabber:client, `from` and `to` canonical.
  std::optional<Element> poll_inbound();

  // Outgoing, once authenticated: a jabber:client stanza from one of our
  // domains (written as jabber:server). False if it cannot go (yet).
  bool send(const Element& stanza);
  // Outgoing, once ready: ask `remote` (the peer) whether `key` is its key
  // for stream `stream_id` it opened to our `local`.
  bool send_verify(const std::string& local, const std::string& stream_id, const std::string& key);
  // Incoming: the answer to an S2sVerifyNeeded.
  void dialback_verified(const std::string& remote, bool valid);
  void close();
  void close(StreamErrorCondition condition, std::string text);

  Role role() const { return endpoints_.role; }
  const std::string& local() const { return endpoints_.local; }
  const std::string& remote() const { return endpoints_.remote; }
  bool is_ready() const { return stage_ == Stage::dialback || stage_ == Stage::open; }
  bool is_authenticated() const { return stage_ == Stage::open; }
  bool is_secured() const { return secured_; }
  bool wants_close() const { return stage_ == Stage::closed; }
  // Incoming: the remote domains authenticated on this stream.
  const std::set<std::string>& authenticated_domains() const { return authenticated_; }
  const S2sCounters& counters() const { return counters_; }

 private:
  enum class Stage : std::uint8_t {
    header,    // waiting for the peer's stream header
    features,  // outgoing: waiting for <stream:features/>
    tls,       // <starttls/> sent or <proceed/> sent: waiting for TLS
    dialback,  // outgoing: db:result sent; incoming: negotiating (starttls / db:*)
    open,      // outgoing: authenticated
    closed,
  };

  void process(Instant now);
  void on_header(const StreamHeader& header);
  void on_element(Instant now, Element element);
  void on_features(const Element& features);
  void on_db_result(const Element& result);
  void on_db_verify(const Element& verify);
  void on_stanza(Element stanza);
  void send_header();
  void send_dialback();
  void write(const Element& element);
  void fail(StreamErrorCondition condition, std::string text);
  void finish(std::string reason, bool error);

  const S2sConfig* config_;
  Endpoints endpoints_;
  Rng* rng_;
  Stage stage_ = Stage::header;
  bool secured_ = false;
  bool header_sent_ = false;
  StreamParser parser_;
  StreamHeader our_header_;
  Scope scope_;
  std::string peer_stream_id_;   // outgoing: the id of the peer's header (keys are over it)
  std::set<std::string> pending_;  // incoming: domains whose db:result is being verified
  std::set<std::string> authenticated_;
  std::string output_;
  std::deque<S2sEvent> events_;
  std::deque<Element> inbound_;
  S2sCounters counters_;
};

}  // namespace confab::xmpp
