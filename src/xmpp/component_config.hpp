#pragma once
// What an external component session (component_session.hpp, XEP-0114's
// accept side) is given: the components allowed to connect, each a domain
// and its shared secret, and the limits every connection is held to.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/address.hpp"
#include "core/result.hpp"
#include "core/time.hpp"
#include "xmpp/xml_stream_parser.hpp"

namespace confab::xmpp {

namespace ns {
// XEP-0114 §3: the content namespace of a component stream, server side.
inline constexpr std::string_view component_accept = "jabber:component:accept";
}  // namespace ns

struct ComponentSecret {
  std::string domain;  // canonical (Jid::parse(domain)->domain()), never one of the server's own
  std::string secret;  // shared with the component; never logged
};

struct ComponentConfig {
  std::vector<ComponentSecret> components;
  // XML limits once the handshake is done; before it a stanza may be
  // max_stanza_size_before_auth bytes (a <handshake/> is 40 hex digits).
  Limits limits;
  std::size_t max_stanza_size_before_auth = 4096;
  // From the connection's start until the handshake succeeds; then
  // connection-timeout.
  Duration handshake_timeout = std::chrono::seconds(30);
  // Stanzas a component may send per second (token bucket); 0: unlimited.
  // Over it, requests get resource-constraint and the rest is dropped.
  double stanzas_per_second = 1000;
  double stanza_burst = 2000;
  // Stream errors' xml:lang.
  std::string default_lang = "en";
};

// Start-up check: at least one component, domains valid JID domainparts in
// canonical form and distinct, secrets not empty. The error names the entry.
Result<std::monostate, std::string> validate(const ComponentConfig& config);

// What the I/O layer knows about one connection.
struct ComponentConnection {
  std::uint64_t id = 0;  // the I/O layer's name for it
  IpAddress source;      // for the failed-handshake limit
};

}  // namespace confab::xmpp
