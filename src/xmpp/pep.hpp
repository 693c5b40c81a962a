#pragma once
// XEP-0163 personal eventing: every account is a small pubsub service
// (XEP-0060's subset PEP needs) on its bare JID. The owner publishes
// (auto-create, publish-options as preconditions), retracts, creates and
// deletes nodes; the owner and whoever the access model lets in (presence:
// contacts with a subscription from the owner; open: anyone; whitelist: the
// owner alone) retrieve items. Notifications go out as <message
// type='headline'><event/></message> from the bare JID to the owner's
// resources and to contacts' resources whose XEP-0115 caps carry
// "node+notify" (filtered notifications), on publish and, with the last
// item, when such a resource comes online. Nodes and items are kept in the
// XmppStore (one item per node unless max_items says more): avatars
// (XEP-0084), tune, mood, bookmarks live here. XEP-0049 private XML storage
// is served from here too: each namespace's data is the item 'current' of
// a whitelist PEP node named after it (XEP-0223's private nodes), so
// legacy bookmarks (storage:bookmarks) are the same data either way.
//
//   register_pep(router, store, rng, {});
//
// Caps (caps.hpp) are learned here: the first resource to announce an
// unknown ver is asked its disco#info (node#ver), and the answer is
// believed only if it hashes to the ver.
#include <chrono>
#include <cstddef>
#include <functional>

#include "core/rng.hpp"
#include "xmpp/router.hpp"
#include "xmpp/vcard.hpp"
#include "xmpp/xmpp_storage.hpp"

namespace confab::xmpp {

namespace ns {
inline constexpr std::string_view pubsub = "http://jabber.org/protocol/pubsub";
inline constexpr std::string_view pubsub_event = "http://jabber.org/protocol/pubsub#event";
inline constexpr std::string_view pubsub_owner = "http://jabber.org/protocol/pubsub#owner";
inline constexpr std::string_view pubsub_errors = "http://jabber.org/protocol/pubsub#errors";
inline constexpr std::string_view publish_options = "http://jabber.org/protocol/pubsub#publish-options";
inline constexpr std::string_view node_config = "http://jabber.org/protocol/pubsub#node_config";
inline constexpr std::string_view addresses = "http://jabber.org/protocol/address";  // XEP-0033
inline constexpr std::string_view private_xml = "jabber:iq:private";                // XEP-0049
inline constexpr std::string_view bookmarks = "urn:xmpp:bookmarks:1";                // XEP-0402
inline constexpr std::string_view legacy_bookmarks = "storage:bookmarks";            // XEP-0048
inline constexpr std::string_view avatar_data = "urn:xmpp:avatar:data";              // XEP-0084
inline constexpr std::string_view avatar_metadata = "urn:xmpp:avatar:metadata";
inline constexpr std::string_view vcard_update = "vcard-temp:x:update";              // XEP-0153
inline constexpr std::string_view vcard_conversion = "urn:xmpp:pep-vcard-conversion:0";  // XEP-0398
}  // namespace ns

struct PepConfig {
  std::size_t max_nodes = 64;                // per account
  std::size_t max_items = 64;                // per node ("max" means this)
  std::size_t max_item_bytes = 192 * 1024;   // one serialized payload (avatar data is large)
  std::size_t caps_cache = 1000;             // distinct caps vers remembered
  // XEP-0398: a XEP-0084 avatar becomes the vCard PHOTO only if the vCard
  // stays within this (register_vcards' max_bytes); larger ones stay PEP-only.
  std::size_t max_vcard_bytes = 128 * 1024;
  std::size_t avatar_hashes = 10000;         // accounts whose avatar hash is remembered for presence
  // The wall clock of <delay/> on last items; the system clock when empty.
  std::function<std::chrono::system_clock::time_point(Instant)> wall_clock;
};

// Hooks PEP into `router` (an extension and the pubsub IQ routes). `store`
// and `rng` must outlive the router. Returns the XEP-0398 hook for
// register_vcards (a vCard PHOTO set becomes the account's XEP-0084
// avatar); valid as long as the router.
VcardSetHook register_pep(Router& router, XmppStore& store, Rng& rng, PepConfig config = {});

}  // namespace confab::xmpp
