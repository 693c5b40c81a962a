#pragma once
// The XMPP router's store on SQLite: rosters, offline messages, block
// lists, vCards, message archives and PEP nodes in the same file as the
// accounts (schema version 4), each row tied to its account so deleting the
// account deletes them.
//
// Offline messages survive a kill -9: store_offline returns only once its
// transaction is committed to the WAL, and take_offline deletes a batch in
// the same transaction that reads it, so a message is either still in the
// file or already handed to the router, never both (no duplicates after a
// crash). The price: a crash after take_offline and before the bytes reach
// the client loses that batch (see the router README).
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>

#include "store/sqlite_account_store.hpp"
#include "store/sqlite_db.hpp"
#include "store/xmpp_store.hpp"

namespace confab::store {

struct SqliteXmppOptions {
  OfflineLimits offline;
  // The clock of the <delay/> stamps; the system clock unless a test sets one.
  std::function<std::chrono::system_clock::time_point()> clock;
};

class SqliteXmppStore final : public XmppStore {
 public:
  // Opens (creating if allowed) and migrates, like SqliteAccountStore: a
  // second connection to the same file.
  static StoreResult<std::unique_ptr<SqliteXmppStore>> open(const SqliteOptions& options,
                                                           SqliteXmppOptions xmpp = {});

  // Groups the writes of one burst of input (archived messages, offline
  // messages...) into one commit: the XMPP service opens a batch before it
  // hands a read to the router and ends it before anything is sent, so what
  // a client is told happened is on disk. A failed commit is returned.
  StoreResult<Done> begin_batch();
  StoreResult<Done> end_batch();

  xmpp::StorageResult<bool> account_exists(const xmpp::Jid& account) override;
  xmpp::StorageResult<Roster> roster(const xmpp::Jid& account) override;
  xmpp::StorageResult<std::int64_t> put_roster_item(const xmpp::Jid& account, const RosterItem& item) override;
  xmpp::StorageResult<std::int64_t> remove_roster_item(const xmpp::Jid& account, const xmpp::Jid& contact) override;
  xmpp::StorageResult<std::int64_t> store_offline(const xmpp::Jid& account, const xmpp::Element& stanza) override;
  xmpp::StorageResult<std::vector<OfflineMessage>> take_offline(const xmpp::Jid& account, std::size_t limit) override;
  xmpp::StorageResult<std::vector<OfflineMessage>> peek_offline(const xmpp::Jid& account, std::size_t limit) override;
  xmpp::StorageResult<xmpp::Stored> delete_offline(const xmpp::Jid& account,
                                                   const std::vector<std::int64_t>& ids) override;
  xmpp::StorageResult<std::size_t> offline_count(const xmpp::Jid& account) override;
  xmpp::StorageResult<std::vector<xmpp::Jid>> blocklist(const xmpp::Jid& account) override;
  xmpp::StorageResult<xmpp::Stored> block(const xmpp::Jid& account, const std::vector<xmpp::Jid>& jids) override;
  xmpp::StorageResult<xmpp::Stored> unblock(const xmpp::Jid& account, const std::vector<xmpp::Jid>& jids) override;
  xmpp::StorageResult<std::optional<std::string>> vcard(const xmpp::Jid& account) override;
  xmpp::StorageResult<xmpp::Stored> set_vcard(const xmpp::Jid& account, const std::string& xml) override;
  // sqlite_xmpp_archive.cpp: XEP-0313 archives.
  xmpp::StorageResult<xmpp::Stored> archive_message(const xmpp::Jid& account, const xmpp::ArchivedMessage& message,
                                                    std::size_t max_messages) override;
  xmpp::StorageResult<xmpp::ArchivePage> query_archive(const xmpp::Jid& account,
                                                       const xmpp::ArchiveQuery& query) override;
  xmpp::StorageResult<xmpp::ArchivePrefs> archive_prefs(const xmpp::Jid& account) override;
  xmpp::StorageResult<xmpp::Stored> set_archive_prefs(const xmpp::Jid& account, const xmpp::ArchivePrefs& prefs) override;
  // sqlite_xmpp_pep.cpp: XEP-0163 nodes and items.
  xmpp::StorageResult<std::vector<xmpp::PepNode>> pep_nodes(const xmpp::Jid& account) override;
  xmpp::StorageResult<xmpp::Stored> put_pep_node(const xmpp::Jid& account, const xmpp::PepNode& node) override;
  xmpp::StorageResult<bool> delete_pep_node(const xmpp::Jid& account, const std::string& node) override;
  xmpp::StorageResult<xmpp::Stored> put_pep_item(const xmpp::Jid& account, const std::string& node,
                                                 const xmpp::PepItem& item, std::size_t max_items) override;
  xmpp::StorageResult<std::vector<xmpp::PepItem>> pep_items(const xmpp::Jid& account, const std::string& node,
                                                            std::size_t limit) override;
  xmpp::StorageResult<bool> delete_pep_item(const xmpp::Jid& account, const std::string& node,
                                            const std::string& id) override;

 private:
  SqliteXmppStore(sqlite::Database db, SqliteXmppOptions options) : db_(std::move(db)), options_(std::move(options)) {}
  // The account's row id, or nullopt when there is no such account.
  xmpp::StorageResult<std::optional<std::int64_t>> account_id(const xmpp::Jid& account);
  xmpp::StorageResult<std::int64_t> bump_version(std::int64_t account_id, std::string_view doing);
  xmpp::StorageResult<std::vector<OfflineMessage>> read_offline(std::int64_t account_id, std::size_t limit,
                                                               std::string_view doing);
  xmpp::StorageError failure(std::string_view doing) const;

  std::mutex mutex_;  // one connection, as in SqliteAccountStore
  sqlite::Database db_;
  SqliteXmppOptions options_;
};

}  // namespace confab::store
