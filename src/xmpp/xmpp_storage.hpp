#pragma once
// What the XMPP router keeps across restarts, behind an interface: rosters
// (RFC 6121 §2, with the subscription states of §3 and Appendix A), offline
// messages (XEP-0160), block lists (XEP-0191), vCards (XEP-0054), message
// archives (XEP-0313) and personal eventing nodes (XEP-0163).
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
#include <chrono>
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
    not_found,    // an archive id named in a query is not in the archive (XEP-0313: item-not-found)
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

// XEP-0313: one message in an account's archive.
struct ArchivedMessage {
  std::string id;  // the archive's UID, also the XEP-0359 <stanza-id/> given out
  std::chrono::system_clock::time_point stamp{};  // when it was archived, to the second
  Jid with;        // the other party: `to` of an outgoing message, `from` of an incoming one
  bool outgoing = false;
  Element stanza;  // as archived
};

// A query on an archive, in archive order (the order messages were archived).
// The filters choose the result set; after/before page through it (XEP-0059).
struct ArchiveQuery {
  std::optional<Jid> with;  // bare: any of its resources; full: exactly that one
  std::optional<std::chrono::system_clock::time_point> start, end;  // inclusive
  std::optional<std::string> after_id, before_id;  // exclusive, part of the set (mam:2#extended)
  std::vector<std::string> ids;  // only these (mam:2#extended); empty: no such filter
  std::optional<std::string> after;   // RSM: the page after this id
  std::optional<std::string> before;  // RSM: the page before this id; "" = the last page
  std::size_t max = 50;
};

struct ArchivePage {
  std::vector<ArchivedMessage> messages;  // in archive order
  std::size_t count = 0;        // the whole result set (filters only)
  std::size_t first_index = 0;  // the first message's position in it
  bool complete = false;        // nothing more in the direction paged (forward, or backward with before)
};

// XEP-0441 (the prefs of XEP-0313): which messages are archived.
struct ArchivePrefs {
  std::string default_mode = "always";  // always, never, roster
  std::vector<Jid> always, never;       // bare JIDs
  bool operator==(const ArchivePrefs&) const = default;
};

// XEP-0060 node configuration, as much as PEP uses.
struct PepNodeConfig {
  std::string access_model = "presence";  // presence, open, whitelist (the owner alone)
  bool persist_items = true;
  std::size_t max_items = 1;
  bool operator==(const PepNodeConfig&) const = default;
};

struct PepNode {
  std::string name;
  PepNodeConfig config;
};

struct PepItem {
  std::string id;
  std::string payload;  // the serialized payload element; may be empty
  std::chrono::system_clock::time_point published{};
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

  // Message archives (XEP-0313). archive_message appends (ids are the
  // caller's, unique per archive) and drops the oldest messages past
  // `max_messages` in the same transaction; query_archive fails with
  // not_found when an id it names is not in the archive.
  virtual StorageResult<Stored> archive_message(const Jid& account, const ArchivedMessage& message,
                                                std::size_t max_messages) = 0;
  virtual StorageResult<ArchivePage> query_archive(const Jid& account, const ArchiveQuery& query) = 0;
  virtual StorageResult<ArchivePrefs> archive_prefs(const Jid& account) = 0;
  virtual StorageResult<Stored> set_archive_prefs(const Jid& account, const ArchivePrefs& prefs) = 0;

  // Personal eventing (XEP-0163): each account's nodes and their items.
  // put_pep_node creates or reconfigures; delete_pep_node takes its items
  // along (false: there was no such node). put_pep_item replaces an item
  // of the same id (which becomes the newest) and drops the oldest past
  // `max_items`; pep_items lists the newest first.
  virtual StorageResult<std::vector<PepNode>> pep_nodes(const Jid& account) = 0;
  virtual StorageResult<Stored> put_pep_node(const Jid& account, const PepNode& node) = 0;
  virtual StorageResult<bool> delete_pep_node(const Jid& account, const std::string& node) = 0;
  virtual StorageResult<Stored> put_pep_item(const Jid& account, const std::string& node, const PepItem& item,
                                             std::size_t max_items) = 0;
  virtual StorageResult<std::vector<PepItem>> pep_items(const Jid& account, const std::string& node,
                                                        std::size_t limit) = 0;
  virtual StorageResult<bool> delete_pep_item(const Jid& account, const std::string& node, const std::string& id) = 0;
};

}  // namespace confab::xmpp
