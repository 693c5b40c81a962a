// SqliteXmppStore's personal eventing nodes (XEP-0163): one row per node
// with its configuration, items in publication order (seq), the newest
// last; an item published again under its id moves to the end.
#include <sqlite3.h>

#include <algorithm>

#include "store/sqlite_xmpp_store.hpp"

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

StorageResult<std::vector<xmpp::PepNode>> SqliteXmppStore::pep_nodes(const Jid& account) {
  std::lock_guard lock(mutex_);
  Statement s(db_,
              "SELECT n.node, n.access_model, n.persist_items, n.max_items FROM pep_nodes n "
              "JOIN accounts a ON a.id = n.account_id WHERE a.domain = ? AND a.localpart = ? ORDER BY n.node");
  s.bind(1, account.domain()).bind(2, account.local());
  std::vector<xmpp::PepNode> out;
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) {
    xmpp::PepNode n;
    n.name = s.text(0);
    n.config.access_model = s.text(1);
    n.config.persist_items = s.integer(2) != 0;
    n.config.max_items = static_cast<std::size_t>(std::max<std::int64_t>(s.integer(3), 1));
    out.push_back(std::move(n));
  }
  if (rc != SQLITE_DONE) return unexpected(failure("cannot read the PEP nodes of " + account.bare_str()));
  return out;
}

StorageResult<Stored> SqliteXmppStore::put_pep_node(const Jid& account, const xmpp::PepNode& node) {
  std::lock_guard lock(mutex_);
  const std::string doing = "cannot store the PEP node " + node.name + " of " + account.bare_str();
  Transaction t(db_);
  if (!t.begin(doing)) return unexpected(failure(doing));
  auto id = account_id(account);
  if (!id) return unexpected(id.error());
  if (!*id) return unexpected(no_account(account));
  {
    Statement s(db_,
                "INSERT INTO pep_nodes (account_id, node, access_model, persist_items, max_items) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (account_id, node) DO UPDATE SET access_model = excluded.access_model, "
                "persist_items = excluded.persist_items, max_items = excluded.max_items");
    s.bind(1, **id).bind(2, node.name).bind(3, node.config.access_model);
    s.bind(4, std::int64_t{node.config.persist_items}).bind(5, static_cast<std::int64_t>(node.config.max_items));
    if (s.step() != SQLITE_DONE) return unexpected(failure(doing));
  }
  {
    // A smaller max_items keeps only the newest.
    Statement d(db_,
                "DELETE FROM pep_items WHERE account_id = ?1 AND node = ?2 AND seq <= (SELECT seq FROM pep_items "
                "WHERE account_id = ?1 AND node = ?2 ORDER BY seq DESC LIMIT 1 OFFSET ?3)");
    d.bind(1, **id).bind(2, node.name).bind(3, static_cast<std::int64_t>(node.config.max_items));
    if (d.step() != SQLITE_DONE) return unexpected(failure(doing));
  }
  if (!t.commit(doing)) return unexpected(failure(doing));
  return Stored{};
}

StorageResult<bool> SqliteXmppStore::delete_pep_node(const Jid& account, const std::string& node) {
  std::lock_guard lock(mutex_);
  const std::string doing = "cannot delete the PEP node " + node + " of " + account.bare_str();
  Transaction t(db_);
  if (!t.begin(doing)) return unexpected(failure(doing));
  auto id = account_id(account);
  if (!id) return unexpected(id.error());
  if (!*id) return false;
  {
    Statement d(db_, "DELETE FROM pep_items WHERE account_id = ? AND node = ?");
    d.bind(1, **id).bind(2, node);
    if (d.step() != SQLITE_DONE) return unexpected(failure(doing));
  }
  Statement d(db_, "DELETE FROM pep_nodes WHERE account_id = ? AND node = ?");
  d.bind(1, **id).bind(2, node);
  if (d.step() != SQLITE_DONE) return unexpected(failure(doing));
  const bool existed = sqlite3_changes(db_.handle()) > 0;
  if (!t.commit(doing)) return unexpected(failure(doing));
  return existed;
}

StorageResult<Stored> SqliteXmppStore::put_pep_item(const Jid& account, const std::string& node,
                                                    const xmpp::PepItem& item, std::size_t max_items) {
  std::lock_guard lock(mutex_);
  const std::string doing = "cannot store an item of the PEP node " + node + " of " + account.bare_str();
  Transaction t(db_);
  if (!t.begin(doing)) return unexpected(failure(doing));
  auto id = account_id(account);
  if (!id) return unexpected(id.error());
  if (!*id) return unexpected(no_account(account));
  {
    Statement d(db_, "DELETE FROM pep_items WHERE account_id = ? AND node = ? AND item_id = ?");
    d.bind(1, **id).bind(2, node).bind(3, item.id);
    if (d.step() != SQLITE_DONE) return unexpected(failure(doing));
  }
  {
    Statement s(db_, "INSERT INTO pep_items (account_id, node, item_id, payload, published) VALUES (?, ?, ?, ?, ?)");
    s.bind(1, **id).bind(2, node).bind(3, item.id).bind(4, item.payload);
    s.bind(5, static_cast<std::int64_t>(
                  std::chrono::duration_cast<std::chrono::seconds>(item.published.time_since_epoch()).count()));
    if (s.step() != SQLITE_DONE) return unexpected(failure(doing));
  }
  {
    Statement d(db_,
                "DELETE FROM pep_items WHERE account_id = ?1 AND node = ?2 AND seq <= (SELECT seq FROM pep_items "
                "WHERE account_id = ?1 AND node = ?2 ORDER BY seq DESC LIMIT 1 OFFSET ?3)");
    d.bind(1, **id).bind(2, node).bind(3, static_cast<std::int64_t>(max_items));
    if (d.step() != SQLITE_DONE) return unexpected(failure(doing));
  }
  if (!t.commit(doing)) return unexpected(failure(doing));
  return Stored{};
}

StorageResult<std::vector<xmpp::PepItem>> SqliteXmppStore::pep_items(const Jid& account, const std::string& node,
                                                                     std::size_t limit) {
  std::lock_guard lock(mutex_);
  Statement s(db_,
              "SELECT i.item_id, i.payload, i.published FROM pep_items i JOIN accounts a ON a.id = i.account_id "
              "WHERE a.domain = ? AND a.localpart = ? AND i.node = ? ORDER BY i.seq DESC LIMIT ?");
  s.bind(1, account.domain()).bind(2, account.local()).bind(3, node);
  s.bind(4, static_cast<std::int64_t>(std::min<std::size_t>(limit, 1u << 30)));
  std::vector<xmpp::PepItem> out;
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) {
    xmpp::PepItem item;
    item.id = s.text(0);
    item.payload = s.text(1);
    item.published = std::chrono::system_clock::time_point(std::chrono::seconds(s.integer(2)));
    out.push_back(std::move(item));
  }
  if (rc != SQLITE_DONE) return unexpected(failure("cannot read the PEP node " + node + " of " + account.bare_str()));
  return out;
}

StorageResult<bool> SqliteXmppStore::delete_pep_item(const Jid& account, const std::string& node,
                                                     const std::string& item_id) {
  std::lock_guard lock(mutex_);
  const std::string doing = "cannot retract an item of the PEP node " + node + " of " + account.bare_str();
  Transaction t(db_);
  if (!t.begin(doing)) return unexpected(failure(doing));
  auto id = account_id(account);
  if (!id) return unexpected(id.error());
  if (!*id) return false;
  Statement d(db_, "DELETE FROM pep_items WHERE account_id = ? AND node = ? AND item_id = ?");
  d.bind(1, **id).bind(2, node).bind(3, item_id);
  if (d.step() != SQLITE_DONE) return unexpected(failure(doing));
  const bool existed = sqlite3_changes(db_.handle()) > 0;
  if (!t.commit(doing)) return unexpected(failure(doing));
  return existed;
}

}  // namespace confab::store
