// SqliteXmppStore's room archives (XEP-0313 §5): the groupchat messages of
// persistent rooms, in archive order (seq), keyed by service and room so a
// room saved whole again keeps its archive. Appending and trimming follow
// the user archives (sqlite_xmpp_archive.cpp): inside a batch no savepoint,
// the size per room cached so the trim is a bounded DELETE … LIMIT, and a
// query is a fixed set of statements whose unused filters are NULL or open
// bounds.
#include <sqlite3.h>

#include <algorithm>
#include <limits>
#include <optional>

#include "store/archive_bounds.hpp"
#include "store/sqlite_xmpp_store.hpp"
#include "xmpp/xml_stream_parser.hpp"
#include "xmpp/xml_writer.hpp"

namespace confab::store {

namespace {

using sqlite::Statement;
using sqlite::Transaction;
using xmpp::Jid;
using xmpp::StorageError;
using xmpp::StorageResult;
using xmpp::Stored;

// ?1 service, ?2 room, ?3 nick, ?4..?5 stamps, ?6..?7 seq bounds
// (exclusive), ?8 ",seq,seq," of the 'ids' filter, ?12 1 when `with` names
// another entity than the room (nothing matches).
constexpr std::string_view filter =
    "service = ?1 AND room = ?2 AND (?3 IS NULL OR nick = ?3) AND stamp >= ?4 AND stamp <= ?5 "
    "AND seq > ?6 AND seq < ?7 AND (?8 IS NULL OR instr(?8, ',' || seq || ',') > 0) AND ?12 = 0";

struct Filter {
  std::string service, room;
  std::optional<std::string> nick;
  std::int64_t start = std::numeric_limits<std::int64_t>::min();
  std::int64_t end = std::numeric_limits<std::int64_t>::max();
  std::int64_t above = 0;
  std::int64_t below = std::numeric_limits<std::int64_t>::max();
  std::optional<std::string> ids;
  bool foreign = false;

  void bind(Statement& s) const {
    s.bind(1, service).bind(2, room);
    if (nick) s.bind(3, *nick);
    s.bind(4, start).bind(5, end).bind(6, above).bind(7, below);
    if (ids) s.bind(8, *ids);
    s.bind(12, std::int64_t{foreign ? 1 : 0});
  }
};

}  // namespace

StorageResult<Stored> SqliteXmppStore::archive_muc_message(const std::string& service, const std::string& room,
                                                           const xmpp::ArchivedMessage& m, std::size_t max_messages) {
  const std::string text = xmpp::serialize(m.stanza);
  const std::string key = room + "@" + service;
  std::lock_guard lock(mutex_);
  auto fail = [&] {
    muc_archive_counts_.clear();  // unsure what is there now: count again next time
    return unexpected(failure("cannot archive a message of " + key));
  };
  std::optional<Transaction> t;
  if (sqlite3_get_autocommit(db_.handle()) != 0) {
    t.emplace(db_);
    if (!t->begin("cannot archive a message of " + key)) return fail();
  }
  // Only stored (persistent) rooms have an archive.
  auto id = muc_room_id(service, room);
  if (!id) return unexpected(id.error());
  if (!*id) return Stored{};
  {
    Statement s(db_, "INSERT INTO muc_archive (service, room, uid, stamp, nick, stanza) VALUES (?, ?, ?, ?, ?, ?)");
    s.bind(1, service).bind(2, room).bind(3, m.id).bind(4, unix_seconds(m.stamp)).bind(5, m.with.resource());
    s.bind(6, text);
    if (s.step() != SQLITE_DONE) return fail();
  }
  auto count = muc_archive_counts_.find(key);
  if (count == muc_archive_counts_.end()) {
    Statement c(db_, "SELECT COUNT(*) FROM muc_archive WHERE service = ? AND room = ?");
    c.bind(1, service).bind(2, room);
    if (c.step() != SQLITE_ROW) return fail();
    count = muc_archive_counts_.emplace(key, c.integer(0)).first;
  } else {
    ++count->second;
  }
  const auto limit =
      static_cast<std::int64_t>(std::min<std::size_t>(max_messages, std::numeric_limits<std::int64_t>::max()));
  if (count->second > limit) {
    // Past the limit the oldest go (XEP-0313 §3.2: no holes in the middle).
    Statement d(db_,
                "DELETE FROM muc_archive WHERE seq IN (SELECT seq FROM muc_archive WHERE service = ?1 AND room = ?2 "
                "ORDER BY seq LIMIT ?3)");
    d.bind(1, service).bind(2, room).bind(3, count->second - limit);
    if (d.step() != SQLITE_DONE) return fail();
    count->second = limit;
  }
  if (t && !t->commit("cannot archive a message of " + key)) return fail();
  return Stored{};
}

StorageResult<xmpp::ArchivePage> SqliteXmppStore::query_muc_archive(const std::string& service,
                                                                   const std::string& room,
                                                                   const xmpp::ArchiveQuery& q) {
  std::lock_guard lock(mutex_);
  const std::string doing = "cannot query the archive of " + room + "@" + service;
  xmpp::ArchivePage page;
  // One read transaction: the count and the page agree.
  sqlite::ReadTransaction read(db_);
  if (!read.begin(doing)) return unexpected(failure(doing));

  auto seq_of = [&](const std::string& uid) -> StorageResult<std::int64_t> {
    Statement s(db_, "SELECT seq FROM muc_archive WHERE service = ? AND room = ? AND uid = ?");
    s.bind(1, service).bind(2, room).bind(3, uid);
    const int rc = s.step();
    if (rc == SQLITE_ROW) return s.integer(0);
    if (rc != SQLITE_DONE) return unexpected(failure(doing));
    return unexpected(StorageError{StorageError::Kind::not_found, "no message " + uid + " in the archive"});
  };
  Filter f;
  f.service = service;
  f.room = room;
  if (q.with) {
    // Every message is from an occupant JID of this room.
    if (q.with->domain() != service || q.with->local() != room) f.foreign = true;
    else if (q.with->is_full()) f.nick = q.with->resource();
  }
  if (q.start) f.start = unix_seconds(*q.start);
  if (q.end) f.end = unix_seconds(*q.end);
  auto bounds = archive_seq_bounds(q, seq_of);
  if (!bounds) return unexpected(bounds.error());
  f.above = bounds->above;
  f.below = bounds->below;
  f.ids = bounds->ids;
  const std::int64_t after = bounds->after, before = bounds->before;
  const std::string where(filter);
  {
    Statement c(db_, "SELECT COUNT(*) FROM muc_archive WHERE " + where);
    f.bind(c);
    if (c.step() != SQLITE_ROW) return unexpected(failure(doing));
    page.count = static_cast<std::size_t>(c.integer(0));
  }
  const bool backward = q.before.has_value();
  {
    // One more than asked: whether it comes says if the page is complete.
    Statement s(db_, "SELECT uid, stamp, nick, stanza FROM muc_archive WHERE " + where +
                         " AND seq > ?9 AND seq < ?10 ORDER BY seq " + (backward ? "DESC" : "ASC") + " LIMIT ?11");
    f.bind(s);
    s.bind(9, after).bind(10, before).bind(11, static_cast<std::int64_t>(q.max) + 1);
    int rc;
    while ((rc = s.step()) == SQLITE_ROW) {
      if (page.messages.size() == q.max) break;
      xmpp::ArchivedMessage m;
      m.id = s.text(0);
      m.stamp = std::chrono::system_clock::time_point(std::chrono::seconds(s.integer(1)));
      if (auto j = Jid::parse(room + "@" + service + "/" + s.text(2))) m.with = std::move(*j);
      if (auto e = xmpp::parse_element(s.text(3))) m.stanza = std::move(*e);
      page.messages.push_back(std::move(m));
    }
    page.complete = rc == SQLITE_DONE;
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) return unexpected(failure(doing));
  }
  if (backward) std::reverse(page.messages.begin(), page.messages.end());
  if (!page.messages.empty()) {
    Statement c(db_, "SELECT COUNT(*) FROM muc_archive WHERE " + where +
                         " AND seq < (SELECT seq FROM muc_archive WHERE service = ?1 AND room = ?2 AND uid = ?9)");
    f.bind(c);
    c.bind(9, page.messages.front().id);
    if (c.step() != SQLITE_ROW) return unexpected(failure(doing));
    page.first_index = static_cast<std::size_t>(c.integer(0));
  }
  return page;
}

}  // namespace confab::store
