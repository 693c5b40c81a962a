#include "xmpp/memory_muc_store.hpp"

#include "xmpp/memory_xmpp_store.hpp"

#include <algorithm>
#include <chrono>

namespace confab::xmpp {

namespace {

StorageError failing_error() { return {StorageError::Kind::unavailable, "the MUC store is failing (test)"}; }

// What SQLite keeps: Unix seconds.
WallTime to_second(WallTime t) { return std::chrono::floor<std::chrono::seconds>(t); }

void trim(std::vector<MucHistoryRecord>& history, std::size_t max) {
  if (history.size() > max) history.erase(history.begin(), history.end() - static_cast<std::ptrdiff_t>(max));
}

void put(std::vector<MucAffiliationRecord>& list, const MucAffiliationRecord& a) {
  auto it = std::find_if(list.begin(), list.end(), [&](const MucAffiliationRecord& r) { return r.jid == a.jid; });
  if (it != list.end()) list.erase(it);
  if (a.affiliation == Affiliation::none) return;
  auto at = std::lower_bound(list.begin(), list.end(), a,
                             [](const MucAffiliationRecord& x, const MucAffiliationRecord& y) { return x.jid.str() < y.jid.str(); });
  list.insert(at, a);
}

}  // namespace

MucRoomRecord* MemoryMucStore::find(const std::string& service, const std::string& room) {
  auto it = rooms_.find({service, room});
  return it == rooms_.end() ? nullptr : &it->second;
}

StorageResult<std::vector<MucRoomRecord>> MemoryMucStore::muc_rooms(const std::string& service) {
  if (failing_) return unexpected(failing_error());
  std::vector<MucRoomRecord> out;
  for (const auto& [key, room] : rooms_)
    if (key.first == service) out.push_back(room);
  return out;
}

StorageResult<Stored> MemoryMucStore::save_muc_room(const std::string& service, const MucRoomRecord& room,
                                                    std::size_t max_history) {
  if (failing_) return unexpected(failing_error());
  MucRoomRecord r;
  r.id = room.id;
  r.config = room.config;
  for (const MucAffiliationRecord& a : room.affiliations) put(r.affiliations, a);
  if (room.subject) {
    r.subject = room.subject;
    r.subject->when = to_second(r.subject->when);
  }
  for (const MucHistoryRecord& h : room.history) r.history.push_back({h.stanza, to_second(h.when)});
  trim(r.history, max_history);
  rooms_[{service, room.id}] = std::move(r);
  ++writes_;
  return Stored{};
}

StorageResult<Stored> MemoryMucStore::put_muc_config(const std::string& service, const std::string& room,
                                                     const RoomConfig& config) {
  if (failing_) return unexpected(failing_error());
  if (MucRoomRecord* r = find(service, room)) {
    r->config = config;
    ++writes_;
  }
  return Stored{};
}

StorageResult<Stored> MemoryMucStore::put_muc_affiliation(const std::string& service, const std::string& room,
                                                          const MucAffiliationRecord& affiliation) {
  if (failing_) return unexpected(failing_error());
  if (MucRoomRecord* r = find(service, room)) {
    put(r->affiliations, affiliation);
    ++writes_;
  }
  return Stored{};
}

StorageResult<Stored> MemoryMucStore::put_muc_subject(const std::string& service, const std::string& room,
                                                      const MucSubjectRecord& subject) {
  if (failing_) return unexpected(failing_error());
  if (MucRoomRecord* r = find(service, room)) {
    r->subject = subject;
    r->subject->when = to_second(subject.when);
    ++writes_;
  }
  return Stored{};
}

StorageResult<Stored> MemoryMucStore::add_muc_history(const std::string& service, const std::string& room,
                                                      const MucHistoryRecord& message, std::size_t max_history) {
  if (failing_) return unexpected(failing_error());
  if (MucRoomRecord* r = find(service, room)) {
    r->history.push_back({message.stanza, to_second(message.when)});
    trim(r->history, max_history);
    ++writes_;
  }
  return Stored{};
}

StorageResult<Stored> MemoryMucStore::archive_muc_message(const std::string& service, const std::string& room,
                                                          const ArchivedMessage& message, std::size_t max_messages) {
  if (failing_) return unexpected(failing_error());
  if (!find(service, room)) return Stored{};
  auto& archive = archives_[{service, room}];
  ArchivedMessage m = message;
  m.stamp = to_second(m.stamp);
  archive.push_back(std::move(m));
  while (archive.size() > max_messages) archive.pop_front();
  ++writes_;
  return Stored{};
}

StorageResult<ArchivePage> MemoryMucStore::query_muc_archive(const std::string& service, const std::string& room,
                                                             const ArchiveQuery& query) {
  if (failing_) return unexpected(failing_error());
  static const std::deque<ArchivedMessage> none;
  auto it = archives_.find({service, room});
  const auto& archive = it == archives_.end() ? none : it->second;
  // `with` is matched against the occupant JIDs stored: another JID matches nothing.
  return query_memory_archive(archive, query);
}

StorageResult<bool> MemoryMucStore::delete_muc_room(const std::string& service, const std::string& room) {
  if (failing_) return unexpected(failing_error());
  ++writes_;
  archives_.erase({service, room});
  return rooms_.erase({service, room}) > 0;
}

}  // namespace confab::xmpp
