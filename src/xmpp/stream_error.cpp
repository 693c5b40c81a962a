// Stream errors as a log line and as the element the peer is sent.
#include "xmpp/stream_error.hpp"

#include "core/text.hpp"
#include "xmpp/namespaces.hpp"

namespace confab::xmpp {

const char* to_string(StreamErrorCondition c) {
  using C = StreamErrorCondition;
  switch (c) {
    case C::bad_format: return "bad-format";
    case C::bad_namespace_prefix: return "bad-namespace-prefix";
    case C::conflict: return "conflict";
    case C::connection_timeout: return "connection-timeout";
    case C::host_gone: return "host-gone";
    case C::host_unknown: return "host-unknown";
    case C::improper_addressing: return "improper-addressing";
    case C::internal_server_error: return "internal-server-error";
    case C::invalid_from: return "invalid-from";
    case C::invalid_namespace: return "invalid-namespace";
    case C::invalid_xml: return "invalid-xml";
    case C::not_authorized: return "not-authorized";
    case C::not_well_formed: return "not-well-formed";
    case C::policy_violation: return "policy-violation";
    case C::remote_connection_failed: return "remote-connection-failed";
    case C::reset: return "reset";
    case C::resource_constraint: return "resource-constraint";
    case C::restricted_xml: return "restricted-xml";
    case C::see_other_host: return "see-other-host";
    case C::system_shutdown: return "system-shutdown";
    case C::undefined_condition: return "undefined-condition";
    case C::unsupported_encoding: return "unsupported-encoding";
    case C::unsupported_feature: return "unsupported-feature";
    case C::unsupported_stanza_type: return "unsupported-stanza-type";
    case C::unsupported_version: return "unsupported-version";
  }
  return "undefined-condition";
}

std::string StreamError::message() const {
  std::string where;
  if (line != 0) where = "line " + std::to_string(line) + ", column " + std::to_string(column);
  return decode_error_line("XMPP", offset, where, to_string(condition), detail);
}

Element to_element(const StreamError& error) {
  Element e("error", std::string(ns::streams));
  e.prefix = "stream";
  e.add_child(Element(to_string(error.condition), std::string(ns::stream_errors)));
  if (!error.detail.empty()) e.add_child(Element("text", std::string(ns::stream_errors))).add_text(error.detail);
  return e;
}

}  // namespace confab::xmpp
