#pragma once
// XEP-0313 Message Archive Management (urn:xmpp:mam:2 and #extended) for
// user archives: every one-to-one chat or normal message with a body a user
// sends or receives is archived once in the account's archive (not once per
// resource; carbons and offline delivery add no copies), with an
// unpredictable id that also goes out as the XEP-0359 <stanza-id by=bare/>
// on what the user receives (and inside its own sent carbons, §3.5). The
// archive answers queries on the user's bare JID: the data form's with,
// start, end, after-id, before-id, ids; XEP-0059 paging (max, after,
// before, an empty before for the last page) with <fin complete/> and
// first/last/count; flip-page; metadata; XEP-0441 preferences (always,
// never, roster). Archives live in the XmppStore, bounded per account.
//
//   register_mam(router, store, rng, {.max_archived_messages = 10000});
#include <chrono>
#include <cstddef>
#include <functional>

#include "core/rng.hpp"
#include "xmpp/router.hpp"
#include "xmpp/xmpp_storage.hpp"

namespace confab::xmpp {

namespace ns {
inline constexpr std::string_view mam = "urn:xmpp:mam:2";
inline constexpr std::string_view mam_extended = "urn:xmpp:mam:2#extended";
inline constexpr std::string_view rsm = "http://jabber.org/protocol/rsm";  // XEP-0059
inline constexpr std::string_view sid = "urn:xmpp:sid:0";                  // XEP-0359
}  // namespace ns

struct MamConfig {
  std::size_t max_archived_messages = 10000;  // per account: past it the oldest go
  std::size_t default_page = 50;              // results per query when the client sets no <max/>
  std::size_t max_page = 250;                 // a larger <max/> is cut to this
  // The wall clock of archive stamps; the system clock when empty.
  std::function<std::chrono::system_clock::time_point(Instant)> wall_clock;
};

// Hooks the archive into `router` (an extension and three IQ routes). `store`
// and `rng` must outlive the router.
void register_mam(Router& router, XmppStore& store, Rng& rng, MamConfig config = {});

}  // namespace confab::xmpp
