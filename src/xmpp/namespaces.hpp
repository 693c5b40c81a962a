#pragma once
// The XML namespace names XMPP's core uses (RFC 6120 §4.8, §11.2; XML
// Namespaces §3 for `xml`). Elements carry resolved namespace names, never
// prefixes, so these are what code compares against.
#include <string_view>

namespace confab::xmpp::ns {

inline constexpr std::string_view streams = "http://etherx.jabber.org/streams";
inline constexpr std::string_view client = "jabber:client";
inline constexpr std::string_view server = "jabber:server";
inline constexpr std::string_view dialback = "jabber:server:dialback";
inline constexpr std::string_view stream_errors = "urn:ietf:params:xml:ns:xmpp-streams";
inline constexpr std::string_view stanza_errors = "urn:ietf:params:xml:ns:xmpp-stanzas";
inline constexpr std::string_view tls = "urn:ietf:params:xml:ns:xmpp-tls";
inline constexpr std::string_view sasl = "urn:ietf:params:xml:ns:xmpp-sasl";
inline constexpr std::string_view bind = "urn:ietf:params:xml:ns:xmpp-bind";
inline constexpr std::string_view sm = "urn:xmpp:sm:3";  // XEP-0198 stream management
// RFC 3921 §3 session establishment, kept as an optional no-op feature for
// old clients (RFC 6121 Appendix E; draft-cridland-xmpp-session).
inline constexpr std::string_view session = "urn:ietf:params:xml:ns:xmpp-session";
// XEP-0440: the channel-binding types a server can provide.
inline constexpr std::string_view sasl_cb = "urn:xmpp:sasl-cb:0";
// Bound to the prefix `xml` in every document without a declaration
// (xml:lang); no other prefix may be bound to it, and `xml` to nothing else.
inline constexpr std::string_view xml = "http://www.w3.org/XML/1998/namespace";
inline constexpr std::string_view xmlns = "http://www.w3.org/2000/xmlns/";

}  // namespace confab::xmpp::ns
