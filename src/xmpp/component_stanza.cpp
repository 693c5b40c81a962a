// A connected component's traffic (XEP-0114 §3 after the handshake): its
// stanzas are checked (kind, addresses, rate) and handed on in
// jabber:client; the router's are written in jabber:component:accept.
#include <algorithm>

#include "core/text.hpp"
#include "xmpp/component_session.hpp"
#include "xmpp/jid.hpp"
#include "xmpp/namespaces.hpp"

namespace confab::xmpp {

void ComponentSession::on_stanza(Instant now, Element stanza) {
  if (stanza.ns != ns::component_accept ||
      (stanza.name != "message" && stanza.name != "presence" && stanza.name != "iq"))
    return fail(StreamErrorCondition::unsupported_stanza_type, "only message, presence and iq",
                "<" + printable(stanza.name, 40) + "/> from a component");
  // A component addresses every stanza itself: there is no bound JID to
  // fill in. Its `from` must be its own domain or a JID in it, as a server
  // checks a peer's (RFC 6120 §4.9.3.9).
  const auto from_text = stanza.attribute("from");
  const auto to_text = stanza.attribute("to");
  if (!from_text || !to_text)
    return fail(StreamErrorCondition::improper_addressing, "a component's stanzas need 'from' and 'to'",
                std::string("<") + stanza.name + "/> without " + (from_text ? "'to'" : "'from'"));
  auto from = Jid::parse(*from_text);
  if (!from || from->domain() != domain_)
    return fail(StreamErrorCondition::invalid_from, "'from' must be a JID of " + domain_,
                "from='" + printable(*from_text) + "'");
  auto to = Jid::parse(*to_text);
  if (!to) {
    ++counters_.stanza_errors;
    return reply_error(stanza, StanzaError(Condition::jid_malformed, "'to' is not a valid JID"));
  }
  if (!within_rate(now)) {
    ++counters_.rate_limited;
    // A request is answered so the component's caller does not wait for
    // nothing; anything else goes (XEP-0114 has no flow control).
    if (stanza.name == "iq")
      reply_error(stanza, StanzaError(Condition::resource_constraint, "too many stanzas; slow down"));
    return;
  }
  stanza.set_attribute("from", from->str());
  stanza.set_attribute("to", to->str());
  rename_namespace(stanza, ns::component_accept, ns::client);
  inbound_.push_back(std::move(stanza));
  ++counters_.stanzas_in;
}

// A token bucket (stanzas_per_second, stanza_burst), refilled on arrival.
bool ComponentSession::within_rate(Instant now) {
  if (config_->stanzas_per_second <= 0) return true;
  if (now > refilled_) {
    const double elapsed = std::chrono::duration<double>(now - refilled_).count();
    tokens_ = std::min(config_->stanza_burst, tokens_ + elapsed * config_->stanzas_per_second);
    refilled_ = now;
  }
  if (tokens_ < 1) return false;
  tokens_ -= 1;
  return true;
}

void ComponentSession::reply_error(const Element& stanza, const StanzaError& error) {
  auto reply = error_reply(stanza, error);
  if (!reply) return;
  rename_namespace(*reply, ns::client, ns::component_accept);
  write(*reply);
}

void ComponentSession::send(const Element& stanza) {
  if (stage_ != Stage::open) {
    ++counters_.dropped_out;
    return;
  }
  Element st = stanza;
  rename_namespace(st, ns::client, ns::component_accept);
  write(st);
  ++counters_.stanzas_out;
}

}  // namespace confab::xmpp
