// SqliteXmppStore's message archives (XEP-0313) and archiving preferences
// (XEP-0441). One table in archive order (seq); a query is one fixed set
// of statements whose unused filters are NULL or open bounds, so the
// prepared-statement cache holds a handful, whatever clients ask.
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

// ?1 account, ?2 with (bare), ?3 its resource, ?4..?5 stamps, ?6..?7 seq
// bounds (exclusive), ?8 ",seq,seq," of the 'ids' filter.
constexpr std::string_view filter =
    "account_id = ?1 AND (?2 IS NULL OR with_bare = ?2) AND (?3 IS NULL OR with_resource = ?3) "
    "AND stamp >= ?4 AND stamp <= ?5 AND seq > ?6 AND seq < ?7 "
    "AND (?8 IS NULL OR instr(?8, ',' || seq || ',') > 0)";

struct Filter {
  std::int64_t account = 0;
  std::optional<std::string> with_bare, with_resource;
  std::int64_t start = std::numeric_limits<std::int64_t>::min();
  std::int64_t end = std::numeric_limits<std::int64_t>::max();
  std::int64_t above = 0;
  std::int64_t below = std::numeric_limits<std::int64_t>::max();
  std::optional<std::string> ids;

  void bind(Statement& s) const {
    s.bind(1, account);
    if (with_bare) s.bind(2, *with_bare);
    if (with_resource) s.bind(3, *with_resource);
    s.bind(4, start).bind(5, end).bind(6, above).bind(7, below);
    if (ids) s.bind(8, *ids);
  }
};

std::string join_jids(const std::vector<Jid>& jids) {
  std::string out;
  for (const Jid& j : jids) out += j.str() + "\n";
  return out;
}

std::vector<Jid> split_jids(const std::string& text) {
  std::vector<Jid> out;
  std::size_t at = 0;
  while (at < text.size()) {
    std::size_t nl = text.find('\n', at);
    if (nl == std::string::npos) nl = text.size();
    if (auto j = Jid::parse(std::string_view(text).substr(at, nl - at))) out.push_back(std::move(*j));
    at = nl + 1;
  }
  return out;
}

}  // namespace

StorageResult<Stored> SqliteXmppStore::archive_message(const Jid& account, const xmpp::ArchivedMessage& m,
                                                       std::size_t max_messages) {
  const std::string text = xmpp::serialize(m.stanza);
  std::lock_guard lock(mutex_);
  auto fail = [&] {
    archive_counts_.clear();  // unsure what is there now: count again next time
    return unexpected(failure("cannot archive a message of " + account.bare_str()));
  };
  // Inside a batch (the router's work for one read, committed before
  // anything is sent) the two statements below need no savepoint of their
  // own: each is atomic, and a trim that failed after its insert only
  // leaves the archive one over. Alone, they are one transaction.
  std::optional<Transaction> t;
  if (sqlite3_get_autocommit(db_.handle()) != 0) {
    t.emplace(db_);
    if (!t->begin("cannot archive a message of " + account.bare_str())) return fail();
  }
  auto id = account_id(account);
  if (!id) return unexpected(id.error());
  if (!*id) return unexpected(StorageError{StorageError::Kind::unavailable, "no account " + account.bare_str()});
  {
    Statement s(db_,
                "INSERT INTO mam_messages (account_id, uid, stamp, with_bare, with_resource, outgoing, stanza) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)");
    s.bind(1, **id).bind(2, m.id).bind(3, unix_seconds(m.stamp)).bind(4, m.with.bare_str());
    s.bind(5, m.with.resource()).bind(6, std::int64_t{m.outgoing}).bind(7, text);
    if (s.step() != SQLITE_DONE) return fail();
  }
  auto count = archive_counts_.find(**id);
  if (count == archive_counts_.end()) {
    Statement c(db_, "SELECT COUNT(*) FROM mam_messages WHERE account_id = ?");
    c.bind(1, **id);
    if (c.step() != SQLITE_ROW) return fail();
    count = archive_counts_.emplace(**id, c.integer(0)).first;
  } else {
    ++count->second;
  }
  const auto limit = static_cast<std::int64_t>(std::min<std::size_t>(max_messages, std::numeric_limits<std::int64_t>::max()));
  if (count->second > limit) {
    // Past the limit the oldest go (XEP-0313 §3.2: no holes in the middle).
    Statement d(db_,
                "DELETE FROM mam_messages WHERE seq IN (SELECT seq FROM mam_messages WHERE account_id = ?1 "
                "ORDER BY seq LIMIT ?2)");
    d.bind(1, **id).bind(2, count->second - limit);
    if (d.step() != SQLITE_DONE) return fail();
    count->second = limit;
  }
  if (t && !t->commit("cannot archive a message of " + account.bare_str())) return fail();
  return Stored{};
}

StorageResult<xmpp::ArchivePage> SqliteXmppStore::query_archive(const Jid& account, const xmpp::ArchiveQuery& q) {
  std::lock_guard lock(mutex_);
  const std::string doing = "cannot query the archive of " + account.bare_str();
  xmpp::ArchivePage page;
  auto id = account_id(account);
  if (!id) return unexpected(id.error());
  if (!*id) return page;
  // One read transaction: the count and the page agree.
  sqlite::ReadTransaction read(db_);
  if (!read.begin(doing)) return unexpected(failure(doing));

  auto seq_of = [&](const std::string& uid) -> StorageResult<std::int64_t> {
    Statement s(db_, "SELECT seq FROM mam_messages WHERE account_id = ? AND uid = ?");
    s.bind(1, **id).bind(2, uid);
    const int rc = s.step();
    if (rc == SQLITE_ROW) return s.integer(0);
    if (rc != SQLITE_DONE) return unexpected(failure(doing));
    return unexpected(StorageError{StorageError::Kind::not_found, "no message " + uid + " in the archive"});
  };
  Filter f;
  f.account = **id;
  if (q.with) {
    f.with_bare = q.with->bare_str();
    if (q.with->is_full()) f.with_resource = q.with->resource();
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
    Statement c(db_, "SELECT COUNT(*) FROM mam_messages WHERE " + where);
    f.bind(c);
    if (c.step() != SQLITE_ROW) return unexpected(failure(doing));
    page.count = static_cast<std::size_t>(c.integer(0));
  }
  const bool backward = q.before.has_value();
  {
    // One more than asked: whether it comes says if the page is complete.
    Statement s(db_, "SELECT uid, stamp, with_bare, with_resource, outgoing, stanza, seq FROM mam_messages WHERE " +
                         where + " AND seq > ?9 AND seq < ?10 ORDER BY seq " + (backward ? "DESC" : "ASC") +
                         " LIMIT ?11");
    f.bind(s);
    s.bind(9, after).bind(10, before).bind(11, static_cast<std::int64_t>(q.max) + 1);
    int rc;
    while ((rc = s.step()) == SQLITE_ROW) {
      if (page.messages.size() == q.max) break;
      xmpp::ArchivedMessage m;
      m.id = s.text(0);
      m.stamp = std::chrono::system_clock::time_point(std::chrono::seconds(s.integer(1)));
      std::string with = s.text(2);
      if (!s.text(3).empty()) with += "/" + s.text(3);
      if (auto j = Jid::parse(with)) m.with = std::move(*j);
      m.outgoing = s.integer(4) != 0;
      if (auto e = xmpp::parse_element(s.text(5))) m.stanza = std::move(*e);
      page.messages.push_back(std::move(m));
    }
    page.complete = rc == SQLITE_DONE;
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) return unexpected(failure(doing));
  }
  if (backward) std::reverse(page.messages.begin(), page.messages.end());
  if (!page.messages.empty()) {
    Statement c(db_, "SELECT COUNT(*) FROM mam_messages WHERE " + where +
                         " AND seq < (SELECT seq FROM mam_messages WHERE account_id = ?1 AND uid = ?9)");
    f.bind(c);
    c.bind(9, page.messages.front().id);
    if (c.step() != SQLITE_ROW) return unexpected(failure(doing));
    page.first_index = static_cast<std::size_t>(c.integer(0));
  }
  return page;
}

StorageResult<xmpp::ArchivePrefs> SqliteXmppStore::archive_prefs(const Jid& account) {
  std::lock_guard lock(mutex_);
  Statement s(db_,
              "SELECT p.default_mode, p.always_jids, p.never_jids FROM mam_prefs p JOIN accounts a ON a.id = p.account_id "
              "WHERE a.domain = ? AND a.localpart = ?");
  s.bind(1, account.domain()).bind(2, account.local());
  xmpp::ArchivePrefs prefs;
  const int rc = s.step();
  if (rc == SQLITE_ROW) {
    prefs.default_mode = s.text(0);
    prefs.always = split_jids(s.text(1));
    prefs.never = split_jids(s.text(2));
  } else if (rc != SQLITE_DONE) {
    return unexpected(failure("cannot read the archiving preferences of " + account.bare_str()));
  }
  return prefs;
}

StorageResult<Stored> SqliteXmppStore::set_archive_prefs(const Jid& account, const xmpp::ArchivePrefs& prefs) {
  std::lock_guard lock(mutex_);
  const std::string doing = "cannot store the archiving preferences of " + account.bare_str();
  Transaction t(db_);
  if (!t.begin(doing)) return unexpected(failure(doing));
  auto id = account_id(account);
  if (!id) return unexpected(id.error());
  if (!*id) return unexpected(StorageError{StorageError::Kind::unavailable, "no account " + account.bare_str()});
  Statement s(db_,
              "INSERT INTO mam_prefs (account_id, default_mode, always_jids, never_jids) VALUES (?, ?, ?, ?) "
              "ON CONFLICT (account_id) DO UPDATE SET default_mode = excluded.default_mode, "
              "always_jids = excluded.always_jids, never_jids = excluded.never_jids");
  s.bind(1, **id).bind(2, prefs.default_mode).bind(3, join_jids(prefs.always)).bind(4, join_jids(prefs.never));
  if (s.step() != SQLITE_DONE) return unexpected(failure(doing));
  if (!t.commit(doing)) return unexpected(failure(doing));
  return Stored{};
}

}  // namespace confab::store
