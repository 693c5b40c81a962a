#pragma once
// Why an incoming XML stream is broken, as the RFC 6120 §4.9.3 stream error
// condition to send back, with where it went wrong for the log.
#include <cstddef>
#include <cstdint>
#include <string>

#include "xmpp/xml_element.hpp"

namespace confab::xmpp {

// The conditions the XML layer can detect. The session layer adds the rest
// of §4.9.3 (host-unknown, not-authorized, unsupported-version...).
enum class StreamErrorCondition : std::uint8_t {
  bad_format,            // §4.9.3.1: XML that cannot be processed (text between stanzas, a nested stream header)
  bad_namespace_prefix,  // §4.9.3.2: an unbound prefix; an unprefixed stream element
  invalid_namespace,     // §4.9.3.10: the root is not <stream> in the stream namespace, or an unsupported content namespace
  not_well_formed,       // §4.9.3.13: not well-formed XML (XML 1.0 §2.1, Namespaces in XML)
  policy_violation,      // §4.9.3.14: over one of the parser's limits
  resource_constraint,   // §4.9.3.15: the parser ran out of memory
  restricted_xml,        // §4.9.3.18: a comment, processing instruction, DTD or entity reference (§11.1)
  unsupported_encoding,  // §4.9.3.22: not UTF-8 (§11.6)
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
