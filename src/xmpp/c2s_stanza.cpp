// The established stream: stanzas from the client stamped and queued for
// the router (RFC 6120 §8.1.2.1), stanzas to the client written.
#include <algorithm>

#include "core/text.hpp"
#include "xmpp/c2s_session.hpp"
#include "xmpp/namespaces.hpp"

namespace confab::xmpp {

bool C2sSession::is_session_request(const Element& iq) const {
  if (iq.attribute("type") != "set" || iq.child("session", ns::session) == nullptr) return false;
  auto to = iq.attribute("to");
  if (!to) return true;
  auto jid = Jid::parse(*to);
  return jid && jid->is_domain() && jid->domain() == domain_;
}

void C2sSession::on_stanza(Element stanza) {
  const bool is_stanza =
      stanza.ns == ns::client && (stanza.name == "message" || stanza.name == "presence" || stanza.name == "iq");
  if (!is_stanza) {
    const auto& routed = config_->routed_namespaces;
    if (std::find(routed.begin(), routed.end(), stanza.ns) != routed.end()) {
      inbound_.push_back(std::move(stanza));
      ++counters_.stanzas_in;
      return;
    }
    return fail(StreamErrorCondition::unsupported_stanza_type, "not a stanza",
                "<" + printable(stanza.name, 40) + "/> in " + printable(stanza.ns, 80));
  }

  count_inbound();  // XEP-0198: handled, whatever comes of it

  // §4.9.3.9: a client may say who it is, but only as the bound JID or
  // its bare JID; anything else is a forged address.
  if (auto from = stanza.attribute("from")) {
    auto jid = Jid::parse(*from);
    if (!jid || (*jid != *jid_ && *jid != jid_->bare()))
      return fail(StreamErrorCondition::invalid_from, "'from' must be your own address",
                  "from='" + printable(*from) + "'");
  }
  // §8.1.2.1: the server sets `from` to the full JID, whatever was there.
  stanza.set_attribute("from", jid_->str());

  if (stanza.name == "iq") {
    if (is_session_request(stanza)) {  // RFC 3921 §3: a no-op now
      Element result("iq", std::string(ns::client));
      result.set_attribute("from", domain_);
      if (auto id = stanza.attribute("id")) result.set_attribute("id", std::string(*id));
      result.set_attribute("type", "result");
      return write(result);
    }
    if (stanza.attribute("type") == "set" && stanza.child("bind", ns::bind) != nullptr && !stanza.attribute("to")) {
      ++counters_.stanza_errors;  // one resource per stream
      return reply_iq_error(stanza, StanzaError(Condition::not_allowed, "a resource is already bound"));
    }
  }

  // A `to` the router can trust: a JID in canonical form, or none.
  if (auto to = stanza.attribute("to")) {
    auto jid = Jid::parse(*to);
    if (!jid) {  // §8.3.3.8
      if (auto reply = error_reply(stanza, StanzaError(Condition::jid_malformed), domain_)) {
        ++counters_.stanza_errors;
        write(*reply);
      }
      return;
    }
    stanza.set_attribute("to", jid->str());
  }
  // §4.7.4: the stream's language applies to stanzas that name none; say
  // it explicitly before they leave this stream.
  if (!lang_.empty() && !stanza.attribute("lang", ns::xml)) stanza.set_attribute("lang", std::string(ns::xml), lang_);

  inbound_.push_back(std::move(stanza));
  ++counters_.stanzas_in;
}

void C2sSession::send(const Element& stanza, Instant now) {
  last_now_ = std::max(last_now_, now);
  if (detached_ && sm_resumable_) {
    queue_unacked(stanza, now);  // for the client when it resumes
    return;
  }
  if (!is_established()) {
    ++counters_.dropped_out;
    return;
  }
  write(stanza);
  ++counters_.stanzas_out;
  queue_unacked(stanza, now);
}

}  // namespace confab::xmpp
