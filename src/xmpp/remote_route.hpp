#pragma once
// Where the router sends stanzas for domains that are neither its own nor
// a component's: other servers (RFC 6120 federation). The s2s manager
// (s2s_manager.hpp) is one; the router works without (every such stanza
// gets remote-server-not-found, as before federation).
//
//   router.set_remote_route(&s2s);                // not owned
//   s2s's stanzas from other servers: router.route_from_remote(now) drains poll_stanza()
#include <optional>

#include "core/time.hpp"
#include "xmpp/xml_element.hpp"

namespace confab::xmpp {

class RemoteRoute {
 public:
  virtual ~RemoteRoute() = default;
  // A jabber:client stanza whose `from` is a local JID (stamped by the
  // router) and whose `to` is on another server. Failures come back later
  // as error stanzas through poll_stanza().
  virtual void handle_stanza(Instant now, const Element& stanza) = 0;
  // A stanza from another server to a local JID (checked: `from` is a JID
  // of a domain authenticated on its stream), or an error bounced back to
  // a local sender.
  virtual std::optional<Element> poll_stanza() = 0;
};

}  // namespace confab::xmpp
