#include "xmpp/memory_xmpp_store.hpp"

#include <algorithm>

#include "xmpp/delay.hpp"
#include "xmpp/xml_writer.hpp"

namespace confab::xmpp {

namespace {

StorageError failed() { return {StorageError::Kind::unavailable, "the memory store is set to fail"}; }

}  // namespace

StorageResult<bool> MemoryXmppStore::account_exists(const Jid& account) {
  if (failing_) return unexpected(failed());
  return accounts_.count(account) > 0;
}

StorageResult<Roster> MemoryXmppStore::roster(const Jid& account) {
  if (failing_) return unexpected(failed());
  Roster r;
  if (auto it = data_.find(account); it != data_.end()) {
    r.version = it->second.version;
    for (const auto& [jid, item] : it->second.roster) r.items.push_back(item);
  }
  return r;
}

StorageResult<std::int64_t> MemoryXmppStore::put_roster_item(const Jid& account, const RosterItem& item) {
  if (failing_) return unexpected(failed());
  Data& d = data_[account];
  d.roster[item.jid] = item;
  return ++d.version;
}

StorageResult<std::int64_t> MemoryXmppStore::remove_roster_item(const Jid& account, const Jid& contact) {
  if (failing_) return unexpected(failed());
  Data& d = data_[account];
  d.roster.erase(contact);
  return ++d.version;
}

StorageResult<std::int64_t> MemoryXmppStore::store_offline(const Jid& account, const Element& stanza) {
  if (failing_) return unexpected(failed());
  Element stamped = stanza;
  add_delay(stamped, account.domain(), time_);
  if (serialize(stamped).size() > limits_.max_stanza_bytes)
    return unexpected(StorageError{StorageError::Kind::too_large, "the message is too large to store"});
  Data& d = data_[account];
  if (d.offline.size() >= limits_.max_messages)
    return unexpected(StorageError{StorageError::Kind::quota, "the offline store of " + account.str() + " is full"});
  d.offline.push_back({next_offline_id_, std::move(stamped)});
  return next_offline_id_++;
}

StorageResult<std::vector<OfflineMessage>> MemoryXmppStore::take_offline(const Jid& account, std::size_t limit) {
  auto batch = peek_offline(account, limit);
  if (!batch) return batch;
  Data& d = data_[account];
  d.offline.erase(d.offline.begin(), d.offline.begin() + static_cast<std::ptrdiff_t>(batch->size()));
  return batch;
}

StorageResult<std::vector<OfflineMessage>> MemoryXmppStore::peek_offline(const Jid& account, std::size_t limit) {
  if (failing_) return unexpected(failed());
  std::vector<OfflineMessage> out;
  if (auto it = data_.find(account); it != data_.end())
    for (std::size_t i = 0; i < it->second.offline.size() && i < limit; ++i) out.push_back(it->second.offline[i]);
  return out;
}

StorageResult<Stored> MemoryXmppStore::delete_offline(const Jid& account, const std::vector<std::int64_t>& ids) {
  if (failing_) return unexpected(failed());
  if (auto it = data_.find(account); it != data_.end())
    std::erase_if(it->second.offline, [&](const OfflineMessage& m) {
      return std::find(ids.begin(), ids.end(), m.id) != ids.end();
    });
  return Stored{};
}

StorageResult<std::size_t> MemoryXmppStore::offline_count(const Jid& account) {
  if (failing_) return unexpected(failed());
  auto it = data_.find(account);
  return it == data_.end() ? std::size_t{0} : it->second.offline.size();
}

StorageResult<std::vector<Jid>> MemoryXmppStore::blocklist(const Jid& account) {
  if (failing_) return unexpected(failed());
  std::vector<Jid> out;
  if (auto it = data_.find(account); it != data_.end()) out.assign(it->second.blocked.begin(), it->second.blocked.end());
  return out;
}

StorageResult<Stored> MemoryXmppStore::block(const Jid& account, const std::vector<Jid>& jids) {
  if (failing_) return unexpected(failed());
  data_[account].blocked.insert(jids.begin(), jids.end());
  return Stored{};
}

StorageResult<Stored> MemoryXmppStore::unblock(const Jid& account, const std::vector<Jid>& jids) {
  if (failing_) return unexpected(failed());
  Data& d = data_[account];
  if (jids.empty()) d.blocked.clear();
  for (const Jid& j : jids) d.blocked.erase(j);
  return Stored{};
}

StorageResult<std::optional<std::string>> MemoryXmppStore::vcard(const Jid& account) {
  if (failing_) return unexpected(failed());
  if (auto it = data_.find(account); it != data_.end()) return it->second.vcard;
  return std::optional<std::string>();
}

StorageResult<Stored> MemoryXmppStore::set_vcard(const Jid& account, const std::string& xml) {
  if (failing_) return unexpected(failed());
  if (!accounts_.count(account.bare())) return unexpected(StorageError{StorageError::Kind::unavailable, "no such account"});
  data_[account].vcard = xml;
  return Stored{};
}

}  // namespace confab::xmpp
