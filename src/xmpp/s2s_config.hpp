#pragma once
// Server-to-server federation settings (RFC 6120 s2s, XEP-0220 dialback),
// shared by the stream machines (s2s_stream.hpp) and the manager
// (s2s_manager.hpp). confabd fills it from [xmpp.s2s].
#include <cstddef>
#include <string>
#include <vector>

#include "core/bytes.hpp"
#include "core/time.hpp"
#include "xmpp/xml_stream_parser.hpp"

namespace confab::xmpp {

struct S2sConfig {
  std::vector<std::string> domains;  // ours (the router's): what incoming streams may address
  Bytes secret;                      // the dialback secret (XEP-0185); the same across restarts
  bool require_tls = true;           // no dialback, and no stanzas, over a stream that is not encrypted
  bool tls_available = true;         // we have a certificate: STARTTLS offered and used
  Limits limits;                     // the XML parser's, max_stanza_size included
  Duration connect_timeout = std::chrono::seconds(15);  // resolve + connect + TLS + dialback, per remote domain
  Duration auth_timeout = std::chrono::seconds(30);     // an incoming stream must authenticate a domain by then
  Duration idle_timeout = std::chrono::minutes(10);     // streams with no stanza for this long are closed
  std::size_t max_queue = 1000;        // stanzas held per remote domain while its stream is being set up
  std::size_t max_connections = 256;   // incoming and outgoing s2s streams together
  std::size_t max_pending_verifications = 64;  // db:result waiting for the authoritative server, per stream
  std::string default_lang = "en";
};

// For `confabd status`: added up over the streams (+=) and the manager.
struct S2sCounters {
  std::uint64_t incoming_streams = 0;    // incoming stream headers answered
  std::uint64_t outgoing_streams = 0;    // outgoing connections opened
  std::uint64_t tls = 0;                 // STARTTLS completed (both directions)
  std::uint64_t dialback_sent = 0;       // db:result sent on outgoing streams
  std::uint64_t dialback_valid = 0;      // our outgoing streams the peer accepted
  std::uint64_t dialback_invalid = 0;    // ...and refused
  std::uint64_t verify_requests = 0;     // db:verify answered for peers (our keys)
  std::uint64_t verify_failed = 0;       // ...of which did not match
  std::uint64_t domains_authenticated = 0;  // remote domains accepted on incoming streams
  std::uint64_t domains_refused = 0;        // remote domains whose key did not verify
  std::uint64_t stanzas_in = 0;          // from remote servers, handed to the router
  std::uint64_t stanzas_out = 0;         // written to remote servers
  std::uint64_t bounced = 0;             // stanzas returned to their senders as errors
  std::uint64_t queue_full = 0;          // of those, because the queue of their remote domain was full
  std::uint64_t connect_failures = 0;    // remote domains found unreachable
  std::uint64_t timeouts = 0;            // set-up or authentication deadlines missed
  std::uint64_t stream_errors = 0;       // <stream:error/>s we sent, whatever the cause
  std::uint64_t xml_errors = 0;          // of those, found by the XML layer
  std::uint64_t invalid_from = 0;        // stanzas from a domain not authenticated on their stream
  std::uint64_t refused_connections = 0; // over max_connections

  S2sCounters& operator+=(const S2sCounters& o);
};

}  // namespace confab::xmpp
