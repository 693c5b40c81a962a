#pragma once
// The stream header: the <stream:stream> start tag that opens each XML
// stream (RFC 6120 §4.7), as read from a peer and as written to one.
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "xmpp/xml_element.hpp"
#include "xmpp/xml_writer.hpp"

namespace confab::xmpp {

struct StreamHeader {
  // §4.7.1–§4.7.5; absent and empty are different (no `version` means a
  // pre-1.0 peer, §4.7.5), hence optional.
  std::optional<std::string> from;
  std::optional<std::string> to;
  std::optional<std::string> id;
  std::optional<std::string> version;
  std::optional<std::string> lang;  // xml:lang
  // The default namespace, which first-level elements inherit (§4.8.2):
  // jabber:client or jabber:server; empty if the header declares none.
  std::string content_namespace;
  // The prefix bound to the stream namespace; "stream" in practice (§4.8.5).
  std::string prefix = "stream";
  // Every namespace declaration on the header, in order, as (prefix,
  // namespace name) with "" for the default: stanzas may use the prefixes
  // (db: on server-to-server streams).
  std::vector<std::pair<std::string, std::string>> namespaces;
  // Any other attribute, kept as sent.
  std::vector<Attribute> other_attributes;

  bool operator==(const StreamHeader&) const = default;
};

// The header as bytes to send: the XML declaration (§11.5), then
// <stream:stream from to id version xml:lang xmlns xmlns:stream ...>. The
// default namespace and the stream prefix's come from content_namespace and
// prefix; `namespaces` adds the other prefixes (db: ...), and unqualified
// other_attributes are written after the five known ones.
std::string open_stream(const StreamHeader& header, bool xml_declaration = true);
// The matching close tag, </stream:stream>.
std::string close_stream(const StreamHeader& header);

// What a stanza written on a stream with this header may take as declared:
// serialize(stanza, scope_of(sent_header)) leaves out the stream's xmlns.
Scope scope_of(const StreamHeader& header);

}  // namespace confab::xmpp
