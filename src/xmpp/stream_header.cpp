// Writing the stream header. Attribute order follows RFC 6120's examples.
#include "xmpp/stream_header.hpp"

#include "xmpp/namespaces.hpp"

namespace confab::xmpp {

namespace {

void attribute(std::string& out, std::string_view name, std::string_view value) {
  ((out += ' ') += name) += "='";
  append_escaped_attribute(out, value);
  out += '\'';
}

}  // namespace

std::string open_stream(const StreamHeader& header, bool xml_declaration) {
  std::string out = xml_declaration ? "<?xml version='1.0'?>" : "";
  const std::string& prefix = header.prefix.empty() ? std::string("stream") : header.prefix;
  ((out += '<') += prefix) += ":stream";
  if (header.from) attribute(out, "from", *header.from);
  if (header.to) attribute(out, "to", *header.to);
  if (header.id) attribute(out, "id", *header.id);
  if (header.version) attribute(out, "version", *header.version);
  if (header.lang) attribute(out, "xml:lang", *header.lang);
  for (const Attribute& a : header.other_attributes)
    if (a.ns.empty()) attribute(out, a.name, a.value);
  if (!header.content_namespace.empty()) attribute(out, "xmlns", header.content_namespace);
  attribute(out, "xmlns:" + prefix, ns::streams);
  for (const auto& [p, uri] : header.namespaces)
    if (!p.empty() && p != prefix) attribute(out, "xmlns:" + p, uri);
  out += '>';
  return out;
}

std::string close_stream(const StreamHeader& header) {
  return "</" + (header.prefix.empty() ? std::string("stream") : header.prefix) + ":stream>";
}

Scope scope_of(const StreamHeader& header) {
  Scope scope;
  scope.default_ns = header.content_namespace;
  scope.prefixes.emplace_back(header.prefix.empty() ? "stream" : header.prefix, std::string(ns::streams));
  for (const auto& [p, uri] : header.namespaces)
    if (!p.empty() && p != scope.prefixes.front().first) scope.prefixes.emplace_back(p, uri);
  return scope;
}

}  // namespace confab::xmpp
