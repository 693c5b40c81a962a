#pragma once
// What a MUC service keeps of its persistent rooms (XEP-0045 §10.2,
// muc#roomconfig_persistentroom) across restarts: each room's configuration,
// affiliations, subject and discussion history. Temporary rooms are never
// stored.
//
// Declared here, next to XmppStore (xmpp_storage.hpp) and for the same
// reason: confab_xmpp needs no database. SqliteXmppStore implements it on
// the same connection as the rest of the XMPP data (store/sqlite_xmpp_muc.cpp),
// so a room's writes join the router's batch; MemoryMucStore
// (memory_muc_store.hpp) is the one for tests.
//
// Rooms are named by the service's domain and the room's localpart. Each
// write is one small transaction; the service writes only what changed (a
// message adds one history row), and the whole room once, when it becomes
// persistent.
#include <optional>
#include <string>
#include <vector>

#include "xmpp/jid.hpp"
#include "xmpp/muc_config.hpp"
#include "xmpp/muc_history.hpp"
#include "xmpp/muc_roles.hpp"
#include "xmpp/xml_element.hpp"
#include "xmpp/xmpp_storage.hpp"

namespace confab::xmpp {

// A bare JID's (or a domain's, for bans) lasting standing with a room.
struct MucAffiliationRecord {
  Jid jid;
  Affiliation affiliation = Affiliation::none;  // none: no record (put removes it)
  std::string nick;    // reserved nick
  std::string reason;  // why (bans)
  bool operator==(const MucAffiliationRecord&) const = default;
};

struct MucSubjectRecord {
  std::string text;
  std::string nick;  // who set it; empty: the room itself
  WallTime when{};   // to the second
  bool operator==(const MucSubjectRecord&) const = default;
};

// One message of the discussion history, as the room keeps it (reflected,
// with the room's <delay/>), and when the room received it.
struct MucHistoryRecord {
  Element stanza;
  WallTime when{};  // to the second
};

struct MucRoomRecord {
  std::string id;  // the room's localpart
  RoomConfig config;
  std::vector<MucAffiliationRecord> affiliations;  // ordered by the JIDs' text
  std::optional<MucSubjectRecord> subject;
  std::vector<MucHistoryRecord> history;  // oldest first
};

class MucStore {
 public:
  virtual ~MucStore() = default;

  // Every room stored for the service on `service`, ordered by id.
  virtual StorageResult<std::vector<MucRoomRecord>> muc_rooms(const std::string& service) = 0;
  // Stores a room whole, replacing whatever was stored under its id; keeps
  // the newest `max_history` messages.
  virtual StorageResult<Stored> save_muc_room(const std::string& service, const MucRoomRecord& room,
                                              std::size_t max_history) = 0;
  // The writes of a stored room (no error if it is not stored: nothing is written).
  virtual StorageResult<Stored> put_muc_config(const std::string& service, const std::string& room,
                                               const RoomConfig& config) = 0;
  virtual StorageResult<Stored> put_muc_affiliation(const std::string& service, const std::string& room,
                                                    const MucAffiliationRecord& affiliation) = 0;
  virtual StorageResult<Stored> put_muc_subject(const std::string& service, const std::string& room,
                                                const MucSubjectRecord& subject) = 0;
  // Appends one message and drops the oldest past `max_history`, in one transaction.
  virtual StorageResult<Stored> add_muc_history(const std::string& service, const std::string& room,
                                                const MucHistoryRecord& message, std::size_t max_history) = 0;
  // XEP-0313 §5: the room's message archive (persistent rooms only: a room
  // not stored archives nothing). `message.with` is the sender's occupant
  // JID (room@service/nick). Appends and drops the oldest past
  // `max_messages`, like a user archive; the archive outlives
  // save_muc_room (a room saved whole again keeps it) and goes with
  // delete_muc_room. A query's `with` other than the room's JID (bare: all,
  // full: that nick) matches nothing; ids it names must be in the archive
  // (not_found).
  virtual StorageResult<Stored> archive_muc_message(const std::string& service, const std::string& room,
                                                    const ArchivedMessage& message, std::size_t max_messages) = 0;
  virtual StorageResult<ArchivePage> query_muc_archive(const std::string& service, const std::string& room,
                                                       const ArchiveQuery& query) = 0;
  // Deletes the room and everything of it (its archive too); false when there was none.
  virtual StorageResult<bool> delete_muc_room(const std::string& service, const std::string& room) = 0;
};

}  // namespace confab::xmpp
