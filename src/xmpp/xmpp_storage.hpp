#pragma once
// What the XMPP router keeps across restarts, behind an interface: rosters
// (RFC 6121 §2, with the subscription states of §3 and Appendix A), offline
// messages (XEP-0160) and block lists (XEP-0191).
//
// The interface lives here, in confab_xmpp, so the router needs no database:
// confab_store's SQLite backend (store/sqlite_xmpp_store.hpp) implements it
// and links confab_xmpp, and the fuzz build, which has no SQLite, still
// builds the whole router. MemoryXmppStore (memory_xmpp_store.hpp) is the
// in-process one for tests and simulations.
//
// Every operation returns its error as a value. Accounts are bare JIDs; a
// store answers for accounts it knows (account_exists) and treats others as
// empty.
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/result.hpp"
#include "xmpp/jid.hpp"
#include "xmpp/xml_element.hpp"

namespace confab::xmpp {

struct StorageError {
  enum class Kind {
    unavailable,  // the backend failed (disk, lock, schema): the router answers internal-server-error
    quota,        // the account's offline store is full (count or bytes)
    too_large,    // one stanza over the size limit for offline storage
  };
  Kind kind = Kind::unavailable;
  std::string message;  // one line
};

template <class T>
using StorageResult = Result<T, StorageError>;
using Stored = std::monostate;

// RFC 6121 §2.1.2.5: whose presence flows where. `to`: the user receives the
// contact's presence; `from`: the contact receives the user's.
enum class Subscription : std::uint8_t { none, to, from, both };
const char* to_string(Subscription s);
std::optional<Subscription> subscription_from_string(std::string_view s);

// One contact of one account: the roster item (when `in_roster`) and the
// subscription bookkeeping of RFC 6121 Appendix A. A contact who asked to
// subscribe (pending_in) is remembered without appearing in the roster
// (§3.1.3: the server MUST NOT add an item for an inbound request), so the
// record exists with in_roster false until the user acts.
struct RosterItem {
  Jid jid;  // the contact's bare JID
  std::string name;
  std::vector<std::string> groups;  // distinct, in the order given
  Subscription subscription = Subscription::none;
  bool ask = false;          // Pending Out: our subscribe awaits the contact's answer (ask='subscribe')
  bool pending_in = false;   // Pending In: the contact's subscribe awaits ours
  bool approved = false;     // §3.4 pre-approval: approve the contact's future request at once
  bool in_roster = true;     // false: only a pending inbound request, not shown to the user
  // The contact's subscribe request as received (its <status/> is shown to
  // the user), redelivered at each login until answered (§3.1.3).
  std::string pending_in_stanza;

  bool operator==(const RosterItem&) const = default;
};

// A record for a contact the account has none for yet.
inline RosterItem new_contact(Jid jid, bool in_roster = true) {
  RosterItem item;
  item.jid = std::move(jid);
  item.in_roster = in_roster;
  return item;
}

struct Roster {
  std::int64_t version = 0;  // RFC 6121 §2.6 / XEP-0237: bumped by every change
  std::vector<RosterItem> items;  // in_roster and not, ordered by JID
};

// A stored message: a stable id (increasing per store) and the stanza as
// stored, with its XEP-0203 <delay/> stamp.
struct OfflineMessage {
  std::int64_t id = 0;
  Element stanza;
};

// Limits on offline storage (XEP-0160 leaves them to the server): past
// them a message is refused and its sender gets service-unavailable.
struct OfflineLimits {
  std::size_t max_messages = 1000;       // per account
  std::size_t max_stanza_bytes = 65536;  // one stanza, serialized
};

class XmppStore {
 public:
  virtual ~XmppStore() = default;

  // Whether `account` (bare) is an account here: messages to others bounce.
  virtual StorageResult<bool> account_exists(const Jid& account) = 0;

  // Rosters. put replaces the record for item.jid (creating it) and returns
  // the new roster version; remove deletes it (no error if absent).
  virtual StorageResult<Roster> roster(const Jid& account) = 0;
  virtual StorageResult<std::int64_t> put_roster_item(const Jid& account, const RosterItem& item) = 0;
  virtual StorageResult<std::int64_t> remove_roster_item(const Jid& account, const Jid& contact) = 0;

  // Offline messages (XEP-0160). store_offline adds a <delay/> stamped with
  // the store's own clock and `account`'s domain as `from`, and refuses
  // (quota / too_large) past the limits it was configured with.
  virtual StorageResult<std::int64_t> store_offline(const Jid& account, const Element& stanza) = 0;
  // Delivery hands messages over exactly once: take_offline reads the
  // oldest `limit` messages and deletes them in one transaction, so they
  // are either still stored or in the caller's hands, never both.
  virtual StorageResult<std::vector<OfflineMessage>> take_offline(const Jid& account, std::size_t limit) = 0;
  // For a later acknowledged delivery (stream management): read without
  // deleting, then delete what the client acknowledged.
  virtual StorageResult<std::vector<OfflineMessage>> peek_offline(const Jid& account, std::size_t limit) = 0;
  virtual StorageResult<Stored> delete_offline(const Jid& account, const std::vector<std::int64_t>& ids) = 0;
  virtual StorageResult<std::size_t> offline_count(const Jid& account) = 0;

  // Block lists (XEP-0191): JIDs as the user gave them (bare, full or
  // domain), ordered.
  virtual StorageResult<std::vector<Jid>> blocklist(const Jid& account) = 0;
  virtual StorageResult<Stored> block(const Jid& account, const std::vector<Jid>& jids) = 0;
  // An empty list unblocks everyone.
  virtual StorageResult<Stored> unblock(const Jid& account, const std::vector<Jid>& jids) = 0;

  // vCards (XEP-0054), as the serialized <vCard xmlns='vcard-temp'/>;
  // nullopt when the account has none.
  virtual StorageResult<std::optional<std::string>> vcard(const Jid& account) = 0;
  virtual StorageResult<Stored> set_vcard(const Jid& account, const std::string& xml) = 0;
};

}  // namespace confab::xmpp
