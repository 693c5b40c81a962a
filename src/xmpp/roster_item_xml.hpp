#pragma once
// RFC 6121 §2.1: roster items as XML — the <item/> of roster results and
// pushes, and what a client's roster set asks for.
#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "xmpp/jid.hpp"
#include "xmpp/stanza_error.hpp"
#include "xmpp/xml_element.hpp"
#include "xmpp/xmpp_storage.hpp"

namespace confab::xmpp {

// <item jid='...' name='...' subscription='both' [ask='subscribe'] [approved='true']><group/>...</item>;
// with `removed`, subscription='remove' (§2.5.2's push).
Element roster_item_element(const RosterItem& item, bool removed = false);

// What a roster set (§2.3) asks for: add or update an item's name and
// groups, or remove it. The client's subscription (other than "remove"),
// ask and approved attributes are ignored, as §2.1.2 says the server must.
struct RosterSetRequest {
  Jid jid;  // bare
  std::optional<std::string> name;
  std::vector<std::string> groups;
  bool remove = false;
};

struct RosterLimits {
  std::size_t max_name = 1024;
  std::size_t max_groups = 64;
};

// §2.3.3's checks: exactly one <item/>, a JID, no duplicate groups
// (bad-request); an empty group or a name too long (not-acceptable).
Result<RosterSetRequest, StanzaError> parse_roster_set(const Element& query, const RosterLimits& limits);

}  // namespace confab::xmpp
