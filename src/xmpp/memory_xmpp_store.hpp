#pragma once
// An XmppStore in memory: for tests and simulations (and a server that
// wants no disk). Same rules as the SQLite one: offline limits, increasing
// ids, a <delay/> stamp from its own (settable) clock.
#include <chrono>
#include <deque>
#include <map>
#include <optional>
#include <set>

#include "xmpp/xmpp_storage.hpp"

namespace confab::xmpp {

class MemoryXmppStore final : public XmppStore {
 public:
  explicit MemoryXmppStore(OfflineLimits limits = {}) : limits_(limits) {}

  void add_account(const Jid& account) { accounts_.insert(account.bare()); }
  // The time store_offline stamps (default: the Unix epoch, for tests).
  void set_time(std::chrono::system_clock::time_point t) { time_ = t; }
  // While set, every operation fails with `unavailable`.
  void set_failing(bool failing) { failing_ = failing; }

  StorageResult<bool> account_exists(const Jid& account) override;
  StorageResult<Roster> roster(const Jid& account) override;
  StorageResult<std::int64_t> put_roster_item(const Jid& account, const RosterItem& item) override;
  StorageResult<std::int64_t> remove_roster_item(const Jid& account, const Jid& contact) override;
  StorageResult<std::int64_t> store_offline(const Jid& account, const Element& stanza) override;
  StorageResult<std::vector<OfflineMessage>> take_offline(const Jid& account, std::size_t limit) override;
  StorageResult<std::vector<OfflineMessage>> peek_offline(const Jid& account, std::size_t limit) override;
  StorageResult<Stored> delete_offline(const Jid& account, const std::vector<std::int64_t>& ids) override;
  StorageResult<std::size_t> offline_count(const Jid& account) override;
  StorageResult<std::vector<Jid>> blocklist(const Jid& account) override;
  StorageResult<Stored> block(const Jid& account, const std::vector<Jid>& jids) override;
  StorageResult<Stored> unblock(const Jid& account, const std::vector<Jid>& jids) override;
  StorageResult<std::optional<std::string>> vcard(const Jid& account) override;
  StorageResult<Stored> set_vcard(const Jid& account, const std::string& xml) override;
  // memory_xmpp_archive.cpp
  StorageResult<Stored> archive_message(const Jid& account, const ArchivedMessage& message,
                                        std::size_t max_messages) override;
  StorageResult<ArchivePage> query_archive(const Jid& account, const ArchiveQuery& query) override;
  StorageResult<ArchivePrefs> archive_prefs(const Jid& account) override;
  StorageResult<Stored> set_archive_prefs(const Jid& account, const ArchivePrefs& prefs) override;
  StorageResult<std::vector<PepNode>> pep_nodes(const Jid& account) override;
  StorageResult<Stored> put_pep_node(const Jid& account, const PepNode& node) override;
  StorageResult<bool> delete_pep_node(const Jid& account, const std::string& node) override;
  StorageResult<Stored> put_pep_item(const Jid& account, const std::string& node, const PepItem& item,
                                     std::size_t max_items) override;
  StorageResult<std::vector<PepItem>> pep_items(const Jid& account, const std::string& node,
                                                std::size_t limit) override;
  StorageResult<bool> delete_pep_item(const Jid& account, const std::string& node, const std::string& id) override;

 private:
  struct Data {
    std::int64_t version = 0;
    std::map<Jid, RosterItem> roster;
    std::set<Jid> blocked;
    std::deque<OfflineMessage> offline;
    std::optional<std::string> vcard;
    std::deque<ArchivedMessage> archive;  // in archive order
    ArchivePrefs prefs;
    std::map<std::string, PepNode> nodes;
    std::map<std::string, std::deque<PepItem>> items;  // per node, newest first
  };

  OfflineLimits limits_;
  std::set<Jid> accounts_;
  std::map<Jid, Data> data_;
  std::int64_t next_offline_id_ = 1;
  std::chrono::system_clock::time_point time_{};
  bool failing_ = false;
};

// The page of `archive` (in archive order) that answers `query`, by the
// rules both stores follow; MemoryMucStore's room archives use it too.
StorageResult<ArchivePage> query_memory_archive(const std::deque<ArchivedMessage>& archive, const ArchiveQuery& query);

}  // namespace confab::xmpp
