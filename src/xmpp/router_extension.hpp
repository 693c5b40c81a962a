#pragma once
// A feature that lives on accounts' bare JIDs and watches stanzas pass
// through the router: MAM (XEP-0313) archives messages, PEP (XEP-0163)
// follows presence and entity capabilities (XEP-0115). IQs to the account
// are IQ routes (router_types.hpp); this is what routes cannot see.
//
//   auto pep = std::make_shared<Pep>(router, store, config);
//   router.add_extension(pep);   // the router keeps it alive
//
// Every hook runs inside a router call; an extension sends with
// Router::route_local() and Router::send_iq_from_server(), which deliver at
// once (so results come out in the order they are made).
#include <optional>

#include "core/time.hpp"
#include "xmpp/jid.hpp"
#include "xmpp/xml_element.hpp"

namespace confab::xmpp {

class RouterExtension {
 public:
  virtual ~RouterExtension() = default;

  // A <message/> a local user sent, after blocking, before routing (not one
  // to a component). `account` is the sender's bare JID. Returns an element
  // the sender's XEP-0280 "sent" copies should carry inside the forwarded
  // message (MAM's <stanza-id/>: XEP-0313 §3.5 keeps it out of what the
  // contact receives).
  virtual std::optional<Element> message_sent(Instant, const Jid& /*account*/, const Element& /*message*/) {
    return std::nullopt;
  }

  // A <message/> accepted for `account` (bare): it exists, does not block
  // the sender, and the message is about to be delivered or stored offline.
  // Called once per message whatever the resources, before carbons. May
  // change the message (MAM strips forged <stanza-id/>s and adds its own).
  virtual void message_accepted(Instant, const Jid& /*account*/, Element& /*message*/) {}

  // Available presence broadcast by the resource `full` (`initial`: it was
  // not available before). `presence` is as broadcast, `from` stamped.
  virtual void presence_available(Instant, const Jid& /*full*/, const Element& /*presence*/, bool /*initial*/) {}

  // Available presence the resource `full` is about to broadcast, before
  // anyone gets it: may change it (XEP-0398 puts the avatar hash in).
  virtual void presence_outgoing(Instant, const Jid& /*full*/, Element& /*presence*/) {}

  // The resource `full` is no longer available (unavailable presence, or
  // its session ended).
  virtual void resource_unavailable(Instant, const Jid& /*full*/) {}

  // A result or error addressed to the server itself (`to` a served domain):
  // the answer to an IQ an extension sent. True if it was this extension's.
  virtual bool iq_answer(Instant, const Element& /*iq*/) { return false; }

  // disco#info / disco#items of `account`'s bare JID as `requester` (bare)
  // sees it (the router has checked the requester may see the account):
  // add identities, features, items to `query`.
  virtual void account_disco_info(const Jid& /*account*/, const Jid& /*requester*/, Element& /*query*/) {}
  virtual void account_disco_items(const Jid& /*account*/, const Jid& /*requester*/, Element& /*query*/) {}
};

}  // namespace confab::xmpp
