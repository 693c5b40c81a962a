#include "store/sqlite_xmpp_store.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <cstdint>
#include <limits>

#include "store/sqlite_schema.hpp"
#include "xmpp/delay.hpp"
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

StorageError no_account(const Jid& account) {
  return {StorageError::Kind::unavailable, "no account " + account.bare_str()};
}

}  // namespace

StoreResult<std::unique_ptr<SqliteXmppStore>> SqliteXmppStore::open(const SqliteOptions& options,
                                                                    SqliteXmppOptions xmpp) {
  auto db = sqlite::Database::open(options.path, options.create, options.busy_timeout);
  if (!db) return unexpected(db.error());
  if (auto m = sqlite::migrate(*db); !m) return unexpected(m.error());
  // Archiving touches the newest pages of three indexes per account; with
  // SQLite's default 2 MiB cache a few hundred busy accounts read them back
  // from the file on every commit. At most 32 MiB, used only as it fills.
  if (auto r = db->exec("PRAGMA cache_size=-32768", "setting the page cache size"); !r) return unexpected(r.error());
  // A checkpoint copies each page changed since the last one into the file
  // once, however often it changed; the archive changes the same few pages
  // all the time, so fewer, larger checkpoints (WAL up to ~32 MiB) write
  // far less. They still happen on commit, on this thread.
  if (auto r = db->exec("PRAGMA wal_autocheckpoint=8192", "setting the checkpoint interval"); !r)
    return unexpected(r.error());
  if (!xmpp.clock) xmpp.clock = [] { return std::chrono::system_clock::now(); };
  return std::unique_ptr<SqliteXmppStore>(new SqliteXmppStore(std::move(*db), std::move(xmpp)));
}

StorageError SqliteXmppStore::failure(std::string_view doing) const { return {StorageError::Kind::unavailable, db_.error(doing).message}; }

void SqliteXmppStore::check_data_version() {
  Statement v(db_, "PRAGMA data_version");
  if (v.step() != SQLITE_ROW) {  // cannot tell: trust nothing cached
    account_ids_.clear();
    archive_counts_.clear();
    muc_archive_counts_.clear();
    return;
  }
  const std::int64_t now = v.integer(0);
  if (now == data_version_) return;
  data_version_ = now;
  account_ids_.clear();  // an account may be gone, or gone and made again with another id
  archive_counts_.clear();
  muc_archive_counts_.clear();
}

StorageResult<std::optional<std::int64_t>> SqliteXmppStore::account_id(const Jid& account) {
  check_data_version();
  std::string key = account.bare_str();
  if (auto it = account_ids_.find(key); it != account_ids_.end()) return std::optional(it->second);
  Statement s(db_, "SELECT id FROM accounts WHERE domain = ? AND localpart = ?");
  s.bind(1, account.domain()).bind(2, account.local());
  int rc = s.step();
  if (rc == SQLITE_ROW) {
    const std::int64_t id = s.integer(0);
    if (account_ids_.size() >= 100000) account_ids_.clear();
    account_ids_.emplace(std::move(key), id);
    return std::optional(id);
  }
  if (rc != SQLITE_DONE) return unexpected(failure("cannot look up " + account.bare_str()));
  return std::optional<std::int64_t>();
}

StorageResult<bool> SqliteXmppStore::account_exists(const Jid& account) {
  std::lock_guard lock(mutex_);
  auto id = account_id(account);
  if (!id) return unexpected(id.error());
  return id->has_value();
}

StorageResult<xmpp::Roster> SqliteXmppStore::roster(const Jid& account) {
  std::lock_guard lock(mutex_);
  const std::string doing = "cannot read the roster of " + account.bare_str();
  xmpp::Roster out;
  auto id = account_id(account);
  if (!id) return unexpected(id.error());
  if (!*id) return out;
  // Read in one transaction: version, items and groups agree.
  sqlite::ReadTransaction read(db_);
  if (!read.begin(doing)) return unexpected(failure(doing));
  {
    Statement v(db_, "SELECT version FROM roster_versions WHERE account_id = ?");
    v.bind(1, **id);
    int rc = v.step();
    if (rc == SQLITE_ROW) out.version = v.integer(0);
    else if (rc != SQLITE_DONE) return unexpected(failure(doing));
  }
  Statement s(db_,
              "SELECT contact, name, subscription, ask, pending_in, approved, in_roster, pending_in_stanza "
              "FROM roster_items WHERE account_id = ? ORDER BY contact");
  s.bind(1, **id);
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) {
    auto jid = Jid::parse(s.text(0));
    if (!jid) continue;  // written by us, so always valid; skip rather than fail the whole roster
    xmpp::RosterItem item = xmpp::new_contact(std::move(*jid));
    item.name = s.text(1);
    item.subscription = xmpp::subscription_from_string(s.text(2)).value_or(xmpp::Subscription::none);
    item.ask = s.integer(3) != 0;
    item.pending_in = s.integer(4) != 0;
    item.approved = s.integer(5) != 0;
    item.in_roster = s.integer(6) != 0;
    item.pending_in_stanza = s.text(7);
    Statement g(db_, "SELECT name FROM roster_groups WHERE account_id = ? AND contact = ? ORDER BY position");
    g.bind(1, **id).bind(2, item.jid.str());
    int grc;
    while ((grc = g.step()) == SQLITE_ROW) item.groups.push_back(g.text(0));
    if (grc != SQLITE_DONE) return unexpected(failure(doing));
    out.items.push_back(std::move(item));
  }
  if (rc != SQLITE_DONE) return unexpected(failure(doing));
  return out;
}

StorageResult<std::int64_t> SqliteXmppStore::bump_version(std::int64_t id, std::string_view doing) {
  Statement s(db_,
              "INSERT INTO roster_versions (account_id, version) VALUES (?, 1) "
              "ON CONFLICT (account_id) DO UPDATE SET version = version + 1 RETURNING version");
  s.bind(1, id);
  if (s.step() != SQLITE_ROW) return unexpected(failure(doing));
  std::int64_t v = s.integer(0);
  if (s.step() != SQLITE_DONE) return unexpected(failure(doing));
  return v;
}

StorageResult<std::int64_t> SqliteXmppStore::put_roster_item(const Jid& account, const xmpp::RosterItem& item) {
  std::lock_guard lock(mutex_);
  const std::string doing = "cannot save " + item.jid.str() + " in the roster of " + account.bare_str();
  Transaction t(db_);
  if (!t.begin(doing)) return unexpected(failure(doing));
  auto id = account_id(account);
  if (!id) return unexpected(id.error());
  if (!*id) return unexpected(no_account(account));
  const std::string contact = item.jid.str();
  {
    Statement s(db_,
                "INSERT INTO roster_items (account_id, contact, name, subscription, ask, pending_in, approved, "
                "in_roster, pending_in_stanza) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (account_id, contact) DO UPDATE SET name = excluded.name, "
                "subscription = excluded.subscription, ask = excluded.ask, pending_in = excluded.pending_in, "
                "approved = excluded.approved, in_roster = excluded.in_roster, "
                "pending_in_stanza = excluded.pending_in_stanza");
    s.bind(1, **id).bind(2, contact).bind(3, item.name).bind(4, xmpp::to_string(item.subscription));
    s.bind(5, std::int64_t{item.ask}).bind(6, std::int64_t{item.pending_in}).bind(7, std::int64_t{item.approved});
    s.bind(8, std::int64_t{item.in_roster}).bind(9, item.pending_in_stanza);
    if (s.step() != SQLITE_DONE) return unexpected(failure(doing));
  }
  {
    Statement s(db_, "DELETE FROM roster_groups WHERE account_id = ? AND contact = ?");
    s.bind(1, **id).bind(2, contact);
    if (s.step() != SQLITE_DONE) return unexpected(failure(doing));
  }
  for (std::size_t i = 0; i < item.groups.size(); ++i) {
    Statement s(db_, "INSERT INTO roster_groups (account_id, contact, position, name) VALUES (?, ?, ?, ?)");
    s.bind(1, **id).bind(2, contact).bind(3, static_cast<std::int64_t>(i)).bind(4, item.groups[i]);
    if (s.step() != SQLITE_DONE) return unexpected(failure(doing));
  }
  auto v = bump_version(**id, doing);
  if (!v) return v;
  if (!t.commit(doing)) return unexpected(failure(doing));
  return v;
}

StorageResult<std::int64_t> SqliteXmppStore::remove_roster_item(const Jid& account, const Jid& contact) {
  std::lock_guard lock(mutex_);
  const std::string doing = "cannot remove " + contact.str() + " from the roster of " + account.bare_str();
  Transaction t(db_);
  if (!t.begin(doing)) return unexpected(failure(doing));
  auto id = account_id(account);
  if (!id) return unexpected(id.error());
  if (!*id) return unexpected(no_account(account));
  Statement s(db_, "DELETE FROM roster_items WHERE account_id = ? AND contact = ?");  // groups cascade
  s.bind(1, **id).bind(2, contact.str());
  if (s.step() != SQLITE_DONE) return unexpected(failure(doing));
  auto v = bump_version(**id, doing);
  if (!v) return v;
  if (!t.commit(doing)) return unexpected(failure(doing));
  return v;
}

StorageResult<std::int64_t> SqliteXmppStore::store_offline(const Jid& account, const xmpp::Element& stanza) {
  const auto now = options_.clock();
  xmpp::Element stamped = stanza;
  xmpp::add_delay(stamped, account.domain(), now);
  const std::string text = xmpp::serialize(stamped);
  if (text.size() > options_.offline.max_stanza_bytes)
    return unexpected(StorageError{StorageError::Kind::too_large,
                                   "the message is over " + std::to_string(options_.offline.max_stanza_bytes) +
                                       " bytes, too large to store"});
  std::lock_guard lock(mutex_);
  const std::string doing = "cannot store a message for " + account.bare_str();
  Transaction t(db_);
  if (!t.begin(doing)) return unexpected(failure(doing));
  auto id = account_id(account);
  if (!id) return unexpected(id.error());
  if (!*id) return unexpected(no_account(account));
  {
    Statement c(db_, "SELECT COUNT(*) FROM offline_messages WHERE account_id = ?");
    c.bind(1, **id);
    if (c.step() != SQLITE_ROW) return unexpected(failure(doing));
    if (static_cast<std::size_t>(c.integer(0)) >= options_.offline.max_messages)
      return unexpected(StorageError{StorageError::Kind::quota, "the offline store of " + account.bare_str() +
                                                                    " is full (" +
                                                                    std::to_string(options_.offline.max_messages) +
                                                                    " messages)"});
  }
  Statement s(db_, "INSERT INTO offline_messages (account_id, stored, stanza) VALUES (?, ?, ?) RETURNING id");
  s.bind(1, **id)
      .bind(2, static_cast<std::int64_t>(
                   std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count()))
      .bind(3, text);
  if (s.step() != SQLITE_ROW) return unexpected(failure(doing));
  const std::int64_t message_id = s.integer(0);
  if (s.step() != SQLITE_DONE) return unexpected(failure(doing));
  // Committed (to the WAL) before we return: the sender may be told it is
  // stored, and a kill -9 from here on keeps it.
  if (!t.commit(doing)) return unexpected(failure(doing));
  return message_id;
}

StorageResult<std::vector<OfflineMessage>> SqliteXmppStore::read_offline(std::int64_t id, std::size_t limit,
                                                                        std::string_view doing) {
  std::vector<OfflineMessage> out;
  Statement s(db_, "SELECT id, stanza FROM offline_messages WHERE account_id = ? ORDER BY id LIMIT ?");
  s.bind(1, id).bind(2, static_cast<std::int64_t>(std::min<std::size_t>(limit, std::numeric_limits<std::int64_t>::max())));
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) {
    auto stanza = xmpp::parse_element(s.text(1));
    // We wrote it with serialize(); a row that does not parse back is
    // corrupt and would never become deliverable, so it is skipped (and
    // deleted with its batch by take_offline).
    OfflineMessage m;
    m.id = s.integer(0);
    if (stanza) m.stanza = std::move(*stanza);
    out.push_back(std::move(m));
  }
  if (rc != SQLITE_DONE) return unexpected(failure(doing));
  return out;
}

StorageResult<std::vector<OfflineMessage>> SqliteXmppStore::take_offline(const Jid& account, std::size_t limit) {
  std::lock_guard lock(mutex_);
  const std::string doing = "cannot take the offline messages of " + account.bare_str();
  Transaction t(db_);
  if (!t.begin(doing)) return unexpected(failure(doing));
  auto id = account_id(account);
  if (!id) return unexpected(id.error());
  if (!*id) return std::vector<OfflineMessage>{};
  auto batch = read_offline(**id, limit, doing);
  if (!batch) return batch;
  if (!batch->empty()) {
    Statement d(db_, "DELETE FROM offline_messages WHERE account_id = ? AND id <= ?");
    d.bind(1, **id).bind(2, batch->back().id);
    if (d.step() != SQLITE_DONE) return unexpected(failure(doing));
  }
  if (!t.commit(doing)) return unexpected(failure(doing));
  std::erase_if(*batch, [](const OfflineMessage& m) { return m.stanza.name.empty(); });
  return batch;
}

StorageResult<std::vector<OfflineMessage>> SqliteXmppStore::peek_offline(const Jid& account, std::size_t limit) {
  std::lock_guard lock(mutex_);
  const std::string doing = "cannot read the offline messages of " + account.bare_str();
  auto id = account_id(account);
  if (!id) return unexpected(id.error());
  if (!*id) return std::vector<OfflineMessage>{};
  auto batch = read_offline(**id, limit, doing);
  if (batch) std::erase_if(*batch, [](const OfflineMessage& m) { return m.stanza.name.empty(); });
  return batch;
}

StorageResult<Stored> SqliteXmppStore::delete_offline(const Jid& account, const std::vector<std::int64_t>& ids) {
  std::lock_guard lock(mutex_);
  const std::string doing = "cannot delete offline messages of " + account.bare_str();
  Transaction t(db_);
  if (!t.begin(doing)) return unexpected(failure(doing));
  auto id = account_id(account);
  if (!id) return unexpected(id.error());
  if (!*id) return Stored{};
  for (std::int64_t message : ids) {
    Statement d(db_, "DELETE FROM offline_messages WHERE account_id = ? AND id = ?");
    d.bind(1, **id).bind(2, message);
    if (d.step() != SQLITE_DONE) return unexpected(failure(doing));
  }
  if (!t.commit(doing)) return unexpected(failure(doing));
  return Stored{};
}

StorageResult<std::size_t> SqliteXmppStore::offline_count(const Jid& account) {
  std::lock_guard lock(mutex_);
  Statement s(db_,
              "SELECT COUNT(*) FROM offline_messages m JOIN accounts a ON a.id = m.account_id "
              "WHERE a.domain = ? AND a.localpart = ?");
  s.bind(1, account.domain()).bind(2, account.local());
  if (s.step() != SQLITE_ROW) return unexpected(failure("cannot count the offline messages of " + account.bare_str()));
  return static_cast<std::size_t>(s.integer(0));
}

StorageResult<std::vector<Jid>> SqliteXmppStore::blocklist(const Jid& account) {
  std::lock_guard lock(mutex_);
  Statement s(db_,
              "SELECT b.jid FROM blocked_jids b JOIN accounts a ON a.id = b.account_id "
              "WHERE a.domain = ? AND a.localpart = ? ORDER BY b.jid");
  s.bind(1, account.domain()).bind(2, account.local());
  std::vector<Jid> out;
  int rc;
  while ((rc = s.step()) == SQLITE_ROW)
    if (auto j = Jid::parse(s.text(0))) out.push_back(std::move(*j));
  if (rc != SQLITE_DONE) return unexpected(failure("cannot read the block list of " + account.bare_str()));
  return out;
}

StorageResult<Stored> SqliteXmppStore::block(const Jid& account, const std::vector<Jid>& jids) {
  std::lock_guard lock(mutex_);
  const std::string doing = "cannot change the block list of " + account.bare_str();
  Transaction t(db_);
  if (!t.begin(doing)) return unexpected(failure(doing));
  auto id = account_id(account);
  if (!id) return unexpected(id.error());
  if (!*id) return unexpected(no_account(account));
  for (const Jid& j : jids) {
    Statement s(db_, "INSERT OR IGNORE INTO blocked_jids (account_id, jid) VALUES (?, ?)");
    s.bind(1, **id).bind(2, j.str());
    if (s.step() != SQLITE_DONE) return unexpected(failure(doing));
  }
  if (!t.commit(doing)) return unexpected(failure(doing));
  return Stored{};
}

StorageResult<Stored> SqliteXmppStore::unblock(const Jid& account, const std::vector<Jid>& jids) {
  std::lock_guard lock(mutex_);
  const std::string doing = "cannot change the block list of " + account.bare_str();
  Transaction t(db_);
  if (!t.begin(doing)) return unexpected(failure(doing));
  auto id = account_id(account);
  if (!id) return unexpected(id.error());
  if (!*id) return Stored{};
  if (jids.empty()) {
    Statement s(db_, "DELETE FROM blocked_jids WHERE account_id = ?");
    s.bind(1, **id);
    if (s.step() != SQLITE_DONE) return unexpected(failure(doing));
  }
  for (const Jid& j : jids) {
    Statement s(db_, "DELETE FROM blocked_jids WHERE account_id = ? AND jid = ?");
    s.bind(1, **id).bind(2, j.str());
    if (s.step() != SQLITE_DONE) return unexpected(failure(doing));
  }
  if (!t.commit(doing)) return unexpected(failure(doing));
  return Stored{};
}

StorageResult<std::optional<std::string>> SqliteXmppStore::vcard(const Jid& account) {
  std::lock_guard lock(mutex_);
  Statement s(db_,
              "SELECT v.xml FROM vcards v JOIN accounts a ON a.id = v.account_id "
              "WHERE a.domain = ? AND a.localpart = ?");
  s.bind(1, account.domain()).bind(2, account.local());
  const int rc = s.step();
  if (rc == SQLITE_ROW) return std::optional<std::string>(s.text(0));
  if (rc != SQLITE_DONE) return unexpected(failure("cannot read the vCard of " + account.bare_str()));
  return std::optional<std::string>();
}

StorageResult<Stored> SqliteXmppStore::set_vcard(const Jid& account, const std::string& xml) {
  std::lock_guard lock(mutex_);
  const std::string doing = "cannot store the vCard of " + account.bare_str();
  Transaction t(db_);
  if (!t.begin(doing)) return unexpected(failure(doing));
  auto id = account_id(account);
  if (!id) return unexpected(id.error());
  if (!*id) return unexpected(no_account(account));
  Statement s(db_, "INSERT INTO vcards (account_id, xml) VALUES (?, ?) ON CONFLICT (account_id) DO UPDATE SET xml = excluded.xml");
  s.bind(1, **id).bind(2, xml);
  if (s.step() != SQLITE_DONE) return unexpected(failure(doing));
  if (!t.commit(doing)) return unexpected(failure(doing));
  return Stored{};
}

}  // namespace confab::store

namespace confab::store {

StoreResult<Done> SqliteXmppStore::begin_batch() {
  std::lock_guard lock(mutex_);
  if (sqlite3_get_autocommit(db_.handle()) == 0) return Done{};  // one is open already
  changes_at_batch_ = sqlite3_total_changes64(db_.handle());
  return db_.run("BEGIN IMMEDIATE", "cannot start a batch of XMPP writes");
}

bool SqliteXmppStore::batch_wrote() {
  std::lock_guard lock(mutex_);
  return sqlite3_total_changes64(db_.handle()) != changes_at_batch_;
}

StoreResult<Done> SqliteXmppStore::end_batch() {
  std::lock_guard lock(mutex_);
  if (sqlite3_get_autocommit(db_.handle()) != 0) return Done{};
  auto r = db_.run("COMMIT", "cannot commit a batch of XMPP writes");
  if (!r) {
    sqlite3_exec(db_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
    archive_counts_.clear();  // what the batch archived is not there
    muc_archive_counts_.clear();
  }
  return r;
}

}  // namespace confab::store
