#pragma once
// A service on its own domain beside the server's (a MUC service on
// conference.example.com, later upload or pubsub): XEP-0114's "component",
// but in-process and sans-I/O. The router hands it every stanza a local user
// addresses to its domain, tells it when a user's session ends, and routes
// what it polls to local users as if a remote entity had sent it.
//
//   router.add_component(muc);                      // the router does not own it
//   // then nothing else: the router drives it from handle_stanza() and
//   // session_closed(), and drains poll_stanza() after every call.
#include <optional>
#include <string>
#include <string_view>

#include "core/time.hpp"
#include "xmpp/jid.hpp"
#include "xmpp/xml_element.hpp"

namespace confab::xmpp {

class Component {
 public:
  virtual ~Component() = default;

  // The domain served; never one of the router's own domains.
  virtual const std::string& domain() const = 0;
  // The name the server's disco#items gives it (XEP-0030 §4).
  virtual std::string_view name() const = 0;

  // A <message/>, <presence/> or <iq/> in jabber:client from a local user:
  // `from` is the sender's full JID (stamped by the router), `to` a JID of
  // domain(). Also the unavailable presence the router sends on a user's
  // behalf to entities that had its directed presence (RFC 6121 §4.6.3).
  virtual void handle_stanza(Instant now, const Element& stanza) = 0;

  // The session bound to `full` is gone (closed or replaced). Whatever
  // presence the router already sent, this is the last word: nothing more
  // will come from that JID.
  virtual void session_ended(Instant now, const Jid& full) = 0;

  // What to route next: a stanza whose `from` is a JID of domain() and whose
  // `to` is a local user (full or bare JID).
  virtual std::optional<Element> poll_stanza() = 0;
};

}  // namespace confab::xmpp
