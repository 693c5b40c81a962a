#pragma once
// The XMPP router's storage interface, as the store module sees it. It is
// declared in confab_xmpp (xmpp/xmpp_storage.hpp) so the router builds
// without SQLite (the fuzz build has none); this module implements it
// (sqlite_xmpp_store.hpp) and links confab_xmpp for its types.
#include "xmpp/xmpp_storage.hpp"

namespace confab::store {

using xmpp::OfflineLimits;
using xmpp::OfflineMessage;
using xmpp::Roster;
using xmpp::RosterItem;
using xmpp::StorageError;
using xmpp::Subscription;
using xmpp::XmppStore;

}  // namespace confab::store
