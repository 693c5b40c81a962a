#pragma once
// Writing elements back out as XML: one canonical form, so equal elements
// give equal bytes (attributes in their order, single-quoted; empty
// elements as <x/>; namespace declarations only where a name's namespace
// differs from what is already in force).
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "xmpp/xml_element.hpp"

namespace confab::xmpp {

// The namespaces in force where an element is written. Standalone (stored
// offline, logged) that is nothing; on a stream it is what the stream
// header declared — the content namespace as default and `stream:` — so a
// <message/> in jabber:client needs no xmlns of its own (scope_of() in
// stream_header.hpp).
struct Scope {
  std::string default_ns;
  std::vector<std::pair<std::string, std::string>> prefixes;  // prefix -> namespace name
};

// The element as XML text. The output is always well-formed, whatever the
// strings hold: markup characters are escaped, and bytes that are not UTF-8
// or characters XML forbids (most C0 controls) become U+FFFD. Names are
// written as given: they come from a parse or from code, never from a
// peer's text. An attribute spelt `xmlns` or `xmlns:*` is skipped:
// declarations follow from the namespaces, not from attributes.
std::string serialize(const Element& e, const Scope& scope = {});
void serialize(const Element& e, std::string& out, const Scope& scope = {});

// The escaping serialize() applies: character data (& < > and CR, which the
// parser would otherwise turn into LF), and single-quoted attribute values
// (also ' " and the whitespace attribute normalisation would collapse).
void append_escaped_text(std::string& out, std::string_view text);
void append_escaped_attribute(std::string& out, std::string_view value);

}  // namespace confab::xmpp
