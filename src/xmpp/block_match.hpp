#pragma once
// XEP-0191 §3.1 matches blocked JIDs as XEP-0016 §2.1 matches privacy list
// items: a full JID (or domain/resource) matches only itself, a bare JID
// every resource of it, a domain every address at that domain.
#include "xmpp/jid.hpp"

namespace confab::xmpp {

inline bool block_matches(const Jid& item, const Jid& address) {
  if (item.is_full()) return item == address;
  if (!item.local().empty()) return item == address.bare();
  return item.domain() == address.domain();
}

}  // namespace confab::xmpp
