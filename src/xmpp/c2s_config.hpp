#pragma once
// What a client-to-server session (c2s_session.hpp) is given: the service's
// configuration, shared by every session and outliving them; what the I/O
// layer knows about the one connection; and how accounts are looked up.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/address.hpp"
#include "core/result.hpp"
#include "core/time.hpp"
#include "sasl/channel_binding.hpp"
#include "sasl/scram_keys.hpp"
#include "sasl/server_config.hpp"
#include "xmpp/xml_element.hpp"
#include "xmpp/xml_stream_parser.hpp"

namespace confab::xmpp {

struct C2sConfig {
  // The domains served, each with the SASL settings its accounts log in
  // with; sasl::ServerConfig::domain names the domain, in canonical form
  // (lowercase, as Jid::parse gives it). A client header without 'to' gets
  // the first (RFC 6120 §4.7.2 lets the server choose).
  std::vector<sasl::ServerConfig> hosts;
  // The I/O layer can do TLS (it has a certificate): <starttls/> is offered
  // on connections that are not TLS yet (RFC 6120 §5).
  bool offer_starttls = true;
  // No authentication before TLS: STARTTLS is advertised as <required/> and
  // alone (§5.3.1), and <auth/> gets <encryption-required/>.
  bool require_tls = true;
  // XML limits once authenticated; max_stanza_size_before_auth replaces
  // the stanza limit before that (a SASL message is a few hundred bytes:
  // an unauthenticated peer gets no 256 KiB buffers).
  Limits limits;
  std::size_t max_stanza_size_before_auth = 16 * 1024;
  // From the connection's start until a resource is bound; then
  // connection-timeout.
  Duration negotiation_timeout = std::chrono::seconds(30);
  // XEP-0198: how long a session whose connection dropped waits for a
  // resume (advertised as <enabled max/>; the I/O layer keeps it that long).
  Duration sm_resume_timeout = std::chrono::seconds(300);
  // Our stream header's xml:lang when the client's has none (§4.7.4).
  std::string default_lang = "en";
  // Once authenticated: more stream features to advertise with <bind/>
  // (XEP-0352's <csi xmlns='urn:xmpp:csi:0'/>, ...), and the namespaces of
  // first-level elements other than stanzas that are handed to
  // poll_inbound() as they came (urn:xmpp:csi:0 for <active/>/<inactive/>).
  // Anything else that is not a stanza is unsupported-stanza-type.
  std::vector<Element> extra_features;
  std::vector<std::string> routed_namespaces;
};

// Start-up check: hosts present, canonical and distinct, each host's SASL
// settings valid (sasl::validate), TLS required only where it is offered.
// The error names the setting.
Result<std::monostate, std::string> validate(const C2sConfig& config);

// The store's SCRAM credentials of `username` (SASLprep'd) at `domain`:
// sasl::CredentialsLookup with the domain the stream is for, since one
// server hosts several. nullopt: no such account; an error string: the
// store failed (the client gets temporary-auth-failure).
using AccountLookup = std::function<Result<std::optional<sasl::ScramCredentials>, std::string>(
    std::string_view domain, std::string_view username, sasl::ScramMechanism mech)>;

// What the I/O layer knows about one connection.
struct C2sConnection {
  // Names the session to the ResourceBinder (the router's session key).
  std::uint64_t id = 0;
  // The peer's address, for the failed-authentication limiter.
  IpAddress source;
  // Direct TLS (XEP-0368, port 5223): the handshake is done before the
  // first byte reaches the session, so there is no STARTTLS.
  bool tls = false;
  // With tls: this connection's channel-binding data (sasl/channel_binding.hpp).
  std::vector<sasl::ChannelBinding> bindings;
};

}  // namespace confab::xmpp
