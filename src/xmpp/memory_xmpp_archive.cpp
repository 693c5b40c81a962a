// MemoryXmppStore's message archives (XEP-0313) and PEP nodes (XEP-0163):
// the same rules as the SQLite store, on plain containers.
#include <algorithm>

#include "xmpp/memory_xmpp_store.hpp"

namespace confab::xmpp {

namespace {

StorageError failed() { return {StorageError::Kind::unavailable, "the memory store is set to fail"}; }
StorageError not_found(const std::string& id) { return {StorageError::Kind::not_found, "no message " + id + " in the archive"}; }

bool matches(const ArchivedMessage& m, const ArchiveQuery& q) {
  if (q.with && (q.with->is_full() ? m.with != *q.with : m.with.bare() != *q.with)) return false;
  if (q.start && m.stamp < *q.start) return false;
  if (q.end && m.stamp > *q.end) return false;
  if (!q.ids.empty() && std::find(q.ids.begin(), q.ids.end(), m.id) == q.ids.end()) return false;
  return true;
}

}  // namespace

StorageResult<Stored> MemoryXmppStore::archive_message(const Jid& account, const ArchivedMessage& message,
                                                       std::size_t max_messages) {
  if (failing_) return unexpected(failed());
  if (!accounts_.count(account.bare())) return unexpected(StorageError{StorageError::Kind::unavailable, "no such account"});
  auto& archive = data_[account].archive;
  archive.push_back(message);
  while (archive.size() > max_messages) archive.pop_front();
  return Stored{};
}

StorageResult<ArchivePage> MemoryXmppStore::query_archive(const Jid& account, const ArchiveQuery& q) {
  if (failing_) return unexpected(failed());
  static const std::deque<ArchivedMessage> none;
  auto d = data_.find(account);
  return query_memory_archive(d == data_.end() ? none : d->second.archive, q);
}

StorageResult<ArchivePage> query_memory_archive(const std::deque<ArchivedMessage>& all, const ArchiveQuery& q) {
  auto index_of = [&](const std::string& id) -> std::optional<std::size_t> {
    for (std::size_t i = 0; i < all.size(); ++i)
      if (all[i].id == id) return i;
    return std::nullopt;
  };
  // Every id the query names must be in the archive (XEP-0313 §4.1.4, §4.3.2).
  std::optional<std::size_t> after_id, before_id, after, before;
  for (auto [id, out] : {std::pair{&q.after_id, &after_id}, std::pair{&q.before_id, &before_id},
                         std::pair{&q.after, &after}, std::pair{&q.before, &before}}) {
    if (!*id || (*id)->empty()) continue;
    *out = index_of(**id);
    if (!*out) return unexpected(not_found(**id));
  }
  for (const std::string& id : q.ids)
    if (!index_of(id)) return unexpected(not_found(id));

  std::vector<std::size_t> set;  // the result set: indexes into `all`
  for (std::size_t i = 0; i < all.size(); ++i) {
    if (after_id && i <= *after_id) continue;
    if (before_id && i >= *before_id) continue;
    if (matches(all[i], q)) set.push_back(i);
  }
  std::size_t lo = 0, hi = set.size();  // the part of the set the page is taken from
  if (after) lo = static_cast<std::size_t>(std::upper_bound(set.begin(), set.end(), *after) - set.begin());
  if (before) hi = static_cast<std::size_t>(std::lower_bound(set.begin(), set.end(), *before) - set.begin());
  hi = std::max(lo, hi);
  const std::size_t n = std::min(q.max, hi - lo);
  ArchivePage page;
  page.count = set.size();
  const bool backward = q.before.has_value();
  const std::size_t begin = backward ? hi - n : lo;
  page.first_index = begin;
  page.complete = backward ? begin == lo : begin + n == hi;
  for (std::size_t k = begin; k < begin + n; ++k) page.messages.push_back(all[set[k]]);
  return page;
}

StorageResult<ArchivePrefs> MemoryXmppStore::archive_prefs(const Jid& account) {
  if (failing_) return unexpected(failed());
  if (auto it = data_.find(account); it != data_.end()) return it->second.prefs;
  return ArchivePrefs{};
}

StorageResult<Stored> MemoryXmppStore::set_archive_prefs(const Jid& account, const ArchivePrefs& prefs) {
  if (failing_) return unexpected(failed());
  data_[account].prefs = prefs;
  return Stored{};
}

StorageResult<std::vector<PepNode>> MemoryXmppStore::pep_nodes(const Jid& account) {
  if (failing_) return unexpected(failed());
  std::vector<PepNode> out;
  if (auto it = data_.find(account); it != data_.end())
    for (const auto& [name, node] : it->second.nodes) out.push_back(node);
  return out;
}

StorageResult<Stored> MemoryXmppStore::put_pep_node(const Jid& account, const PepNode& node) {
  if (failing_) return unexpected(failed());
  if (!accounts_.count(account.bare())) return unexpected(StorageError{StorageError::Kind::unavailable, "no such account"});
  Data& d = data_[account];
  d.nodes[node.name] = node;
  auto& items = d.items[node.name];
  while (items.size() > node.config.max_items) items.pop_back();
  return Stored{};
}

StorageResult<bool> MemoryXmppStore::delete_pep_node(const Jid& account, const std::string& node) {
  if (failing_) return unexpected(failed());
  Data& d = data_[account];
  d.items.erase(node);
  return d.nodes.erase(node) > 0;
}

StorageResult<Stored> MemoryXmppStore::put_pep_item(const Jid& account, const std::string& node, const PepItem& item,
                                                    std::size_t max_items) {
  if (failing_) return unexpected(failed());
  auto& items = data_[account].items[node];
  std::erase_if(items, [&](const PepItem& i) { return i.id == item.id; });
  items.push_front(item);
  while (items.size() > max_items) items.pop_back();
  return Stored{};
}

StorageResult<std::vector<PepItem>> MemoryXmppStore::pep_items(const Jid& account, const std::string& node,
                                                               std::size_t limit) {
  if (failing_) return unexpected(failed());
  std::vector<PepItem> out;
  auto d = data_.find(account);
  if (d == data_.end()) return out;
  auto it = d->second.items.find(node);
  if (it == d->second.items.end()) return out;
  for (const PepItem& i : it->second) {
    if (out.size() >= limit) break;
    out.push_back(i);
  }
  return out;
}

StorageResult<bool> MemoryXmppStore::delete_pep_item(const Jid& account, const std::string& node, const std::string& id) {
  if (failing_) return unexpected(failed());
  auto& items = data_[account].items[node];
  return std::erase_if(items, [&](const PepItem& i) { return i.id == id; }) > 0;
}

}  // namespace confab::xmpp
