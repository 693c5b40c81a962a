#pragma once
// The XMPP router's store on SQLite: rosters, offline messages, block
// lists, vCards, message archives and PEP nodes in the same file as the
// accounts, each row tied to its account so deleting the account deletes
// them; and the MUC service's persistent rooms (schema version 5).
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
#include <string>
#include <unordered_map>

#include "store/sqlite_account_store.hpp"
#include "store/sqlite_db.hpp"
#include "store/xmpp_store.hpp"
#include "xmpp/muc_storage.hpp"

namespace confab::store {

struct SqliteXmppOptions {
  OfflineLimits offline;
  // The clock of the <delay/> stamps; the system clock unless a test sets one.
  std::function<std::chrono::system_clock::time_point()> clock;
};

class SqliteXmppStore final : public XmppStore, public xmpp::MucStore {
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
  // Whether anything was written since begin_batch.
  bool batch_wrote();

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
  // sqlite_xmpp_muc.cpp: persistent MUC rooms (schema version 5).
  xmpp::StorageResult<std::vector<xmpp::MucRoomRecord>> muc_rooms(const std::string& service) override;
  xmpp::StorageResult<xmpp::Stored> save_muc_room(const std::string& service, const xmpp::MucRoomRecord& room,
                                                  std::size_t max_history) override;
  xmpp::StorageResult<xmpp::Stored> put_muc_config(const std::string& service, const std::string& room,
                                                   const xmpp::RoomConfig& config) override;
  xmpp::StorageResult<xmpp::Stored> put_muc_affiliation(const std::string& service, const std::string& room,
                                                        const xmpp::MucAffiliationRecord& affiliation) override;
  xmpp::StorageResult<xmpp::Stored> put_muc_subject(const std::string& service, const std::string& room,
                                                    const xmpp::MucSubjectRecord& subject) override;
  xmpp::StorageResult<xmpp::Stored> add_muc_history(const std::string& service, const std::string& room,
                                                    const xmpp::MucHistoryRecord& message,
                                                    std::size_t max_history) override;
  xmpp::StorageResult<bool> delete_muc_room(const std::string& service, const std::string& room) override;
  // sqlite_xmpp_muc_archive.cpp: room archives (XEP-0313 §5, schema version 7).
  xmpp::StorageResult<xmpp::Stored> archive_muc_message(const std::string& service, const std::string& room,
                                                        const xmpp::ArchivedMessage& message,
                                                        std::size_t max_messages) override;
  xmpp::StorageResult<xmpp::ArchivePage> query_muc_archive(const std::string& service, const std::string& room,
                                                           const xmpp::ArchiveQuery& query) override;

 private:
  SqliteXmppStore(sqlite::Database db, SqliteXmppOptions options) : db_(std::move(db)), options_(std::move(options)) {}
  // The account's row id, or nullopt when there is no such account.
  xmpp::StorageResult<std::optional<std::int64_t>> account_id(const xmpp::Jid& account);
  xmpp::StorageResult<std::int64_t> bump_version(std::int64_t account_id, std::string_view doing);
  xmpp::StorageResult<std::vector<OfflineMessage>> read_offline(std::int64_t account_id, std::size_t limit,
                                                               std::string_view doing);
  xmpp::StorageError failure(std::string_view doing) const;
  // sqlite_xmpp_muc.cpp: a stored room's row id, or nullopt.
  xmpp::StorageResult<std::optional<std::int64_t>> muc_room_id(const std::string& service, const std::string& room);
  bool write_muc_config(std::int64_t id, const xmpp::RoomConfig& config);
  bool write_muc_affiliation(std::int64_t id, const xmpp::MucAffiliationRecord& affiliation);
  bool write_muc_history(std::int64_t id, const xmpp::MucHistoryRecord& message, std::size_t max_history);

  // Drops the caches below when another connection (the account store, or
  // `confabd user` in another process) committed since the last look:
  // PRAGMA data_version changes exactly then. This connection never writes
  // the accounts table.
  void check_data_version();

  std::mutex mutex_;  // one connection, as in SqliteAccountStore
  sqlite::Database db_;
  SqliteXmppOptions options_;
  std::int64_t data_version_ = -1;
  std::int64_t changes_at_batch_ = 0;  // sqlite3_total_changes64 when the batch began
  // Account row ids by bare JID: nearly every call asks (twice per archived
  // chat message). Found accounts only; bounded.
  std::unordered_map<std::string, std::int64_t> account_ids_;
  // Messages in each account's archive, so trimming to the limit does not
  // walk the archive on every message (a row count is O(n) in SQLite).
  std::unordered_map<std::int64_t, std::int64_t> archive_counts_;
  // The same for room archives, by "room@service".
  std::unordered_map<std::string, std::int64_t> muc_archive_counts_;
};

}  // namespace confab::store
