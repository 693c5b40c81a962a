#pragma once
// A MucStore in memory, for tests: the same rules as the SQLite one
// (history trimmed to max_history, writes to a room not stored are no-ops,
// stamps kept to the second; room archives as MemoryXmppStore's).
#include <deque>
#include <map>
#include <utility>

#include "xmpp/muc_storage.hpp"

namespace confab::xmpp {

class MemoryMucStore final : public MucStore {
 public:
  // While set, every operation fails with `unavailable`.
  void set_failing(bool failing) { failing_ = failing; }
  // Writes made so far (each call that changed something), for tests that
  // check the service writes only what changed.
  std::size_t writes() const { return writes_; }

  StorageResult<std::vector<MucRoomRecord>> muc_rooms(const std::string& service) override;
  StorageResult<Stored> save_muc_room(const std::string& service, const MucRoomRecord& room,
                                      std::size_t max_history) override;
  StorageResult<Stored> put_muc_config(const std::string& service, const std::string& room,
                                       const RoomConfig& config) override;
  StorageResult<Stored> put_muc_affiliation(const std::string& service, const std::string& room,
                                            const MucAffiliationRecord& affiliation) override;
  StorageResult<Stored> put_muc_subject(const std::string& service, const std::string& room,
                                        const MucSubjectRecord& subject) override;
  StorageResult<Stored> add_muc_history(const std::string& service, const std::string& room,
                                        const MucHistoryRecord& message, std::size_t max_history) override;
  StorageResult<Stored> archive_muc_message(const std::string& service, const std::string& room,
                                            const ArchivedMessage& message, std::size_t max_messages) override;
  StorageResult<ArchivePage> query_muc_archive(const std::string& service, const std::string& room,
                                               const ArchiveQuery& query) override;
  StorageResult<bool> delete_muc_room(const std::string& service, const std::string& room) override;

 private:
  MucRoomRecord* find(const std::string& service, const std::string& room);

  std::map<std::pair<std::string, std::string>, MucRoomRecord> rooms_;
  std::map<std::pair<std::string, std::string>, std::deque<ArchivedMessage>> archives_;  // XEP-0313 §5
  std::size_t writes_ = 0;
  bool failing_ = false;
};

}  // namespace confab::xmpp
