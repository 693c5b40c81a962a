#pragma once
// Why an incoming XML stream is broken, as the RFC 6120 §4.9.3 stream error
// condition to send back, with where it went wrong for the log.
#include <cstddef>
#include <cstdint>
#include <string>

#include "xmpp/xml_element.hpp"

namespace confab::xmpp {

// Every RFC 6120 §4.9.3 condition. The XML layer detects the ones marked
// (xml); the session layer (c2s_session.hpp) sends the rest.
enum class StreamErrorCondition : std::uint8_t {
  bad_format,               // §4.9.3.1 (xml): XML that cannot be processed (text between stanzas, a nested stream header)
  bad_namespace_prefix,     // §4.9.3.2 (xml): an unbound prefix; an unprefixed stream element
  conflict,                 // §4.9.3.3: a new stream for the same entity replaces this one
  connection_timeout,       // §4.9.3.4: no traffic (or no progress) for too long
  host_gone,                // §4.9.3.5: 'to' names a domain no longer served here
  host_unknown,             // §4.9.3.6: 'to' names a domain not served here
  improper_addressing,      // §4.9.3.7: a stanza between servers without 'to' or 'from'
  internal_server_error,    // §4.9.3.8
  invalid_from,             // §4.9.3.9: 'from' is not the authenticated and bound JID
  invalid_namespace,        // §4.9.3.10 (xml): the root is not <stream> in the stream namespace, or an unsupported content namespace
  invalid_xml,              // §4.9.3.11
  not_authorized,           // §4.9.3.12: stanzas (or other data) before authentication
  not_well_formed,          // §4.9.3.13 (xml): not well-formed XML (XML 1.0 §2.1, Namespaces in XML)
  policy_violation,         // §4.9.3.14 (xml): over one of the parser's limits; local policy (too many failed logins)
  remote_connection_failed, // §4.9.3.15
  reset,                    // §4.9.3.16: security-relevant state changed (credentials revoked)
  resource_constraint,      // §4.9.3.17 (xml): the parser ran out of memory; the server is out of resources
  restricted_xml,           // §4.9.3.18 (xml): a comment, processing instruction, DTD or entity reference (§11.1)
  see_other_host,           // §4.9.3.19
  system_shutdown,          // §4.9.3.20: the server is going down
  undefined_condition,      // §4.9.3.21
  unsupported_encoding,     // §4.9.3.22 (xml): not UTF-8 (§11.6)
  unsupported_feature,      // §4.9.3.23: a required feature the peer does not support
  unsupported_stanza_type,  // §4.9.3.24: a first-level element that is no stanza here
  unsupported_version,      // §4.9.3.25: a stream version below 1.0
};
// The condition's element name: "not-well-formed".
const char* to_string(StreamErrorCondition c);

struct StreamError {
  StreamErrorCondition condition = StreamErrorCondition::not_well_formed;
  // Where: bytes from the start of the current stream (a restart begins a
  // new one), and 1-based line and column (column in bytes; 0 if unknown).
  std::size_t offset = 0;
  std::size_t line = 0;
  std::size_t column = 0;
  std::string detail;  // e.g. "stanza exceeds 262144 bytes"

  // "XMPP decode error at byte 120 (line 3, column 7): restricted-xml: comment"
  std::string message() const;

  bool operator==(const StreamError&) const = default;
};

// The <stream:error/> to send before closing the stream (RFC 6120 §4.9.2):
// the condition, and the detail as <text/>.
Element to_element(const StreamError& error);

}  // namespace confab::xmpp
