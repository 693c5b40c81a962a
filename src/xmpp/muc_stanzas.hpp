#pragma once
// Internal to the MUC: the stanza pieces every part of it writes — the
// muc#user <x/> with its <item/> and status codes, IQ results, and errors
// the way XEP-0045's examples show them.
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "xmpp/muc_namespaces.hpp"
#include "xmpp/namespaces.hpp"
#include "xmpp/stanza_error.hpp"
#include "xmpp/xml_element.hpp"

namespace confab::xmpp::muc {

inline Element element(std::string_view name, std::string_view ns_name) {
  return Element(std::string(name), std::string(ns_name));
}

inline Element text_element(std::string_view name, std::string_view ns_name, std::string_view text) {
  Element e = element(name, ns_name);
  if (!text.empty()) e.add_text(text);
  return e;
}

inline Element status(int code) {
  Element s = element("status", ns::muc_user);
  s.set_attribute("code", std::to_string(code));
  return s;
}

// A stanza from the service to a user.
inline Element stanza(std::string_view name, std::string_view from, std::string_view to) {
  Element e = element(name, ns::client);
  e.set_attribute("from", std::string(from));
  e.set_attribute("to", std::string(to));
  return e;
}

// The result of `iq`, from where it was sent, with an optional payload.
inline Element iq_result(const Element& iq, std::optional<Element> payload = std::nullopt) {
  Element r = stanza("iq", iq.attribute("to").value_or(""), iq.attribute("from").value_or(""));
  r.set_attribute("id", std::string(iq.attribute("id").value_or("")));
  r.set_attribute("type", "result");
  if (payload) r.add_child(std::move(*payload));
  return r;
}

// §7.2: errors come from the address the stanza was sent to, the <error/>
// says `by` whom (the room, when it is one), and a presence error carries
// the <x xmlns='http://jabber.org/protocol/muc'/> of a join. A message
// error keeps the message's payload (§7.5's examples). Nothing answers an
// error (or an IQ result): nullopt.
inline std::optional<Element> error(const Element& original, const StanzaError& e, std::string_view by = {}) {
  auto reply = error_reply(original, e);
  if (!reply) return std::nullopt;
  Element err = std::move(std::get<Element>(reply->children.back().value));
  reply->children.pop_back();
  if (!by.empty()) err.set_attribute("by", std::string(by));
  if (original.name == "presence") {
    reply->add_child(element("x", ns::muc));
  } else if (original.name == "message") {
    for (const Node& n : original.children)
      if (const Element* c = n.element(); c && !c->is("error", ns::client)) reply->add_child(*c);
  }
  reply->add_child(std::move(err));
  return reply;
}

// §7.2.1 (since 1.32): presence without the MUC <x/> from someone not in
// the room is a client that lost track of it (or speaks only groupchat
// 1.0); the room says explicitly that it is not in, with 110, 307 and 333.
inline Element not_in_room(std::string_view occupant_jid, std::string_view to, std::string_view affiliation) {
  Element p = stanza("presence", occupant_jid, to);
  p.set_attribute("type", "unavailable");
  Element x = element("x", ns::muc_user);
  Element it = element("item", ns::muc_user);
  it.set_attribute("affiliation", std::string(affiliation));
  it.set_attribute("role", "none");
  it.add_child(text_element("reason", ns::muc_user, "You are not in the room."));
  x.add_child(std::move(it));
  for (int code : {110, 307, 333}) x.add_child(status(code));
  p.add_child(std::move(x));
  return p;
}

}  // namespace confab::xmpp::muc
