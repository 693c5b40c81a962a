// SqliteXmppStore's persistent MUC rooms (XEP-0045 §10.2): one row per room
// with its configuration and subject, its affiliations, and its discussion
// history in arrival order, trimmed to the service's max_history on every
// insert. Each write is one transaction (a savepoint inside the XMPP
// service's batch), so a kill -9 leaves each room as of a whole change.
#include <sqlite3.h>

#include <algorithm>
#include <chrono>

#include "store/sqlite_xmpp_store.hpp"
#include "xmpp/xml_stream_parser.hpp"
#include "xmpp/xml_writer.hpp"

namespace confab::store {

namespace {

using sqlite::ReadTransaction;
using sqlite::Statement;
using sqlite::Transaction;
using xmpp::Affiliation;
using xmpp::AllowPm;
using xmpp::Jid;
using xmpp::MucAffiliationRecord;
using xmpp::MucHistoryRecord;
using xmpp::MucRoomRecord;
using xmpp::RoomConfig;
using xmpp::StorageResult;
using xmpp::Stored;
using xmpp::WallTime;
using xmpp::Whois;

std::int64_t unix_seconds(WallTime t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}
WallTime from_unix(std::int64_t s) { return WallTime(std::chrono::seconds(s)); }

const char* allow_pm_text(AllowPm p) {
  switch (p) {
    case AllowPm::anyone: return "anyone";
    case AllowPm::participants: return "participants";
    case AllowPm::moderators: return "moderators";
    case AllowPm::none: return "none";
  }
  return "anyone";
}

AllowPm allow_pm_from(const std::string& s) {
  if (s == "participants") return AllowPm::participants;
  if (s == "moderators") return AllowPm::moderators;
  if (s == "none") return AllowPm::none;
  return AllowPm::anyone;
}

std::int64_t flag(bool b) { return b ? 1 : 0; }

// The configuration columns, in this order, after service and room.
constexpr const char* config_columns =
    "name, description, public_room, members_only, moderated, password_protected, password, max_users, whois, "
    "change_subject, allow_invites, allow_pm, max_history";

// Binds the configuration to ?first.. in config_columns' order.
void bind_config(Statement& s, int first, const RoomConfig& c) {
  s.bind(first, c.name).bind(first + 1, c.description).bind(first + 2, flag(c.public_room));
  s.bind(first + 3, flag(c.members_only)).bind(first + 4, flag(c.moderated)).bind(first + 5, flag(c.password_protected));
  s.bind(first + 6, c.password).bind(first + 7, static_cast<std::int64_t>(c.max_users));
  s.bind(first + 8, c.whois == Whois::anyone ? "anyone" : "moderators").bind(first + 9, flag(c.change_subject));
  s.bind(first + 10, flag(c.allow_invites)).bind(first + 11, allow_pm_text(c.allow_pm));
  s.bind(first + 12, static_cast<std::int64_t>(c.max_history));
}

RoomConfig read_config(const Statement& s, int first) {
  RoomConfig c;
  c.persistent = true;  // it is stored
  c.name = s.text(first);
  c.description = s.text(first + 1);
  c.public_room = s.integer(first + 2) != 0;
  c.members_only = s.integer(first + 3) != 0;
  c.moderated = s.integer(first + 4) != 0;
  c.password_protected = s.integer(first + 5) != 0;
  c.password = s.text(first + 6);
  c.max_users = static_cast<std::size_t>(std::max<std::int64_t>(s.integer(first + 7), 0));
  c.whois = s.text(first + 8) == "anyone" ? Whois::anyone : Whois::moderators;
  c.change_subject = s.integer(first + 9) != 0;
  c.allow_invites = s.integer(first + 10) != 0;
  c.allow_pm = allow_pm_from(s.text(first + 11));
  c.max_history = static_cast<std::size_t>(std::max<std::int64_t>(s.integer(first + 12), 0));
  return c;
}

std::string where(const std::string& service, const std::string& room) { return room + "@" + service; }

}  // namespace

StorageResult<std::optional<std::int64_t>> SqliteXmppStore::muc_room_id(const std::string& service,
                                                                         const std::string& room) {
  Statement s(db_, "SELECT id FROM muc_rooms WHERE service = ? AND room = ?");
  s.bind(1, service).bind(2, room);
  const int rc = s.step();
  if (rc == SQLITE_ROW) return std::optional(s.integer(0));
  if (rc != SQLITE_DONE) return unexpected(failure("cannot look up the room " + where(service, room)));
  return std::optional<std::int64_t>();
}

bool SqliteXmppStore::write_muc_config(std::int64_t id, const RoomConfig& c) {
  Statement s(db_,
              "UPDATE muc_rooms SET name = ?1, description = ?2, public_room = ?3, members_only = ?4, moderated = ?5, "
              "password_protected = ?6, password = ?7, max_users = ?8, whois = ?9, change_subject = ?10, "
              "allow_invites = ?11, allow_pm = ?12, max_history = ?13 WHERE id = ?14");
  bind_config(s, 1, c);
  s.bind(14, id);
  return s.step() == SQLITE_DONE;
}

bool SqliteXmppStore::write_muc_affiliation(std::int64_t id, const MucAffiliationRecord& a) {
  if (a.affiliation == Affiliation::none) {
    Statement d(db_, "DELETE FROM muc_affiliations WHERE room_id = ? AND jid = ?");
    d.bind(1, id).bind(2, a.jid.str());
    return d.step() == SQLITE_DONE;
  }
  Statement s(db_,
              "INSERT INTO muc_affiliations (room_id, jid, affiliation, nick, reason) VALUES (?, ?, ?, ?, ?) "
              "ON CONFLICT (room_id, jid) DO UPDATE SET affiliation = excluded.affiliation, nick = excluded.nick, "
              "reason = excluded.reason");
  s.bind(1, id).bind(2, a.jid.str()).bind(3, xmpp::to_string(a.affiliation)).bind(4, a.nick).bind(5, a.reason);
  return s.step() == SQLITE_DONE;
}

bool SqliteXmppStore::write_muc_history(std::int64_t id, const MucHistoryRecord& m, std::size_t max_history) {
  {
    Statement s(db_, "INSERT INTO muc_history (room_id, stamp, stanza) VALUES (?, ?, ?)");
    s.bind(1, id).bind(2, unix_seconds(m.when)).bind(3, xmpp::serialize(m.stanza));
    if (s.step() != SQLITE_DONE) return false;
  }
  // Only the newest max_history stay (none when it is 0).
  Statement d(db_,
              "DELETE FROM muc_history WHERE room_id = ?1 AND seq <= COALESCE((SELECT seq FROM muc_history "
              "WHERE room_id = ?1 ORDER BY seq DESC LIMIT 1 OFFSET ?2), -1)");
  d.bind(1, id).bind(2, static_cast<std::int64_t>(max_history));
  return d.step() == SQLITE_DONE;
}

StorageResult<std::vector<MucRoomRecord>> SqliteXmppStore::muc_rooms(const std::string& service) {
  std::lock_guard lock(mutex_);
  const std::string doing = "cannot read the rooms of " + service;
  ReadTransaction t(db_);
  if (!t.begin(doing)) return unexpected(failure(doing));
  std::vector<MucRoomRecord> out;
  std::vector<std::int64_t> ids;
  {
    Statement s(db_, std::string("SELECT id, room, ") + config_columns +
                         ", subject IS NOT NULL, subject, subject_nick, subject_stamp "
                         "FROM muc_rooms WHERE service = ? ORDER BY room");
    s.bind(1, service);
    int rc;
    while ((rc = s.step()) == SQLITE_ROW) {
      MucRoomRecord r;
      ids.push_back(s.integer(0));
      r.id = s.text(1);
      r.config = read_config(s, 2);
      if (s.integer(15) != 0) r.subject = xmpp::MucSubjectRecord{s.text(16), s.text(17), from_unix(s.integer(18))};
      out.push_back(std::move(r));
    }
    if (rc != SQLITE_DONE) return unexpected(failure(doing));
  }
  for (std::size_t i = 0; i < out.size(); ++i) {
    const std::string room_doing = "cannot read the room " + where(service, out[i].id);
    {
      Statement s(db_, "SELECT jid, affiliation, nick, reason FROM muc_affiliations WHERE room_id = ? ORDER BY jid");
      s.bind(1, ids[i]);
      int rc;
      while ((rc = s.step()) == SQLITE_ROW) {
        auto jid = Jid::parse(s.text(0));
        auto affiliation = xmpp::parse_affiliation(s.text(1));
        if (!jid || !affiliation) continue;  // not ours to fix; the rest of the room still loads
        out[i].affiliations.push_back({std::move(*jid), *affiliation, s.text(2), s.text(3)});
      }
      if (rc != SQLITE_DONE) return unexpected(failure(room_doing));
    }
    Statement s(db_, "SELECT stamp, stanza FROM muc_history WHERE room_id = ? ORDER BY seq");
    s.bind(1, ids[i]);
    int rc;
    while ((rc = s.step()) == SQLITE_ROW) {
      auto stanza = xmpp::parse_element(s.text(1));
      if (!stanza) continue;
      out[i].history.push_back({std::move(*stanza), from_unix(s.integer(0))});
    }
    if (rc != SQLITE_DONE) return unexpected(failure(room_doing));
  }
  return out;
}

StorageResult<Stored> SqliteXmppStore::save_muc_room(const std::string& service, const MucRoomRecord& room,
                                                     std::size_t max_history) {
  std::lock_guard lock(mutex_);
  const std::string doing = "cannot store the room " + where(service, room.id);
  Transaction t(db_);
  if (!t.begin(doing)) return unexpected(failure(doing));
  {
    // Replacing the row takes its affiliations and history along (cascade).
    Statement d(db_, "DELETE FROM muc_rooms WHERE service = ? AND room = ?");
    d.bind(1, service).bind(2, room.id);
    if (d.step() != SQLITE_DONE) return unexpected(failure(doing));
  }
  {
    Statement s(db_, std::string("INSERT INTO muc_rooms (service, room, ") + config_columns +
                         ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)");
    s.bind(1, service).bind(2, room.id);
    bind_config(s, 3, room.config);
    if (s.step() != SQLITE_DONE) return unexpected(failure(doing));
  }
  const std::int64_t id = sqlite3_last_insert_rowid(db_.handle());
  if (room.subject) {
    Statement s(db_, "UPDATE muc_rooms SET subject = ?, subject_nick = ?, subject_stamp = ? WHERE id = ?");
    s.bind(1, room.subject->text).bind(2, room.subject->nick).bind(3, unix_seconds(room.subject->when)).bind(4, id);
    if (s.step() != SQLITE_DONE) return unexpected(failure(doing));
  }
  for (const MucAffiliationRecord& a : room.affiliations)
    if (!write_muc_affiliation(id, a)) return unexpected(failure(doing));
  const std::size_t skip = room.history.size() > max_history ? room.history.size() - max_history : 0;
  for (std::size_t i = skip; i < room.history.size(); ++i)
    if (!write_muc_history(id, room.history[i], max_history)) return unexpected(failure(doing));
  if (!t.commit(doing)) return unexpected(failure(doing));
  return Stored{};
}

StorageResult<Stored> SqliteXmppStore::put_muc_config(const std::string& service, const std::string& room,
                                                      const RoomConfig& config) {
  std::lock_guard lock(mutex_);
  const std::string doing = "cannot store the configuration of " + where(service, room);
  auto id = muc_room_id(service, room);
  if (!id) return unexpected(id.error());
  if (!*id) return Stored{};
  if (!write_muc_config(**id, config)) return unexpected(failure(doing));
  return Stored{};
}

StorageResult<Stored> SqliteXmppStore::put_muc_affiliation(const std::string& service, const std::string& room,
                                                           const MucAffiliationRecord& affiliation) {
  std::lock_guard lock(mutex_);
  const std::string doing = "cannot store the affiliation of " + affiliation.jid.str() + " with " + where(service, room);
  auto id = muc_room_id(service, room);
  if (!id) return unexpected(id.error());
  if (!*id) return Stored{};
  if (!write_muc_affiliation(**id, affiliation)) return unexpected(failure(doing));
  return Stored{};
}

StorageResult<Stored> SqliteXmppStore::put_muc_subject(const std::string& service, const std::string& room,
                                                       const xmpp::MucSubjectRecord& subject) {
  std::lock_guard lock(mutex_);
  const std::string doing = "cannot store the subject of " + where(service, room);
  Statement s(db_,
              "UPDATE muc_rooms SET subject = ?, subject_nick = ?, subject_stamp = ? WHERE service = ? AND room = ?");
  s.bind(1, subject.text).bind(2, subject.nick).bind(3, unix_seconds(subject.when)).bind(4, service).bind(5, room);
  if (s.step() != SQLITE_DONE) return unexpected(failure(doing));
  return Stored{};
}

StorageResult<Stored> SqliteXmppStore::add_muc_history(const std::string& service, const std::string& room,
                                                       const MucHistoryRecord& message, std::size_t max_history) {
  std::lock_guard lock(mutex_);
  const std::string doing = "cannot store a message of " + where(service, room);
  Transaction t(db_);
  if (!t.begin(doing)) return unexpected(failure(doing));
  auto id = muc_room_id(service, room);
  if (!id) return unexpected(id.error());
  if (!*id) return Stored{};
  if (!write_muc_history(**id, message, max_history)) return unexpected(failure(doing));
  if (!t.commit(doing)) return unexpected(failure(doing));
  return Stored{};
}

StorageResult<bool> SqliteXmppStore::delete_muc_room(const std::string& service, const std::string& room) {
  std::lock_guard lock(mutex_);
  const std::string doing = "cannot delete the room " + where(service, room);
  // The archive is keyed by name, not by the row (it outlives save_muc_room):
  // deleted here, in the same transaction.
  Transaction t(db_);
  if (!t.begin(doing)) return unexpected(failure(doing));
  muc_archive_counts_.erase(where(service, room));
  {
    Statement a(db_, "DELETE FROM muc_archive WHERE service = ? AND room = ?");
    a.bind(1, service).bind(2, room);
    if (a.step() != SQLITE_DONE) return unexpected(failure(doing));
  }
  Statement d(db_, "DELETE FROM muc_rooms WHERE service = ? AND room = ?");
  d.bind(1, service).bind(2, room);
  if (d.step() != SQLITE_DONE) return unexpected(failure(doing));
  const bool deleted = sqlite3_changes(db_.handle()) > 0;
  if (!t.commit(doing)) return unexpected(failure(doing));
  return deleted;
}

}  // namespace confab::store
