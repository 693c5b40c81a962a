#include "store/archive_bounds.hpp"

namespace confab::store {

xmpp::StorageResult<ArchiveSeqBounds> archive_seq_bounds(const xmpp::ArchiveQuery& q, const SeqOf& seq_of) {
  ArchiveSeqBounds b;
  auto resolve = [&](const std::optional<std::string>& uid, std::int64_t& into,
                     bool empty_is_open = false) -> std::optional<xmpp::StorageError> {
    if (!uid || (empty_is_open && uid->empty())) return std::nullopt;
    auto s = seq_of(*uid);
    if (!s) return s.error();
    into = *s;
    return std::nullopt;
  };
  if (auto e = resolve(q.after_id, b.above)) return unexpected(*e);
  if (auto e = resolve(q.before_id, b.below)) return unexpected(*e);
  if (auto e = resolve(q.after, b.after)) return unexpected(*e);
  // An empty RSM <before/> asks for the last page: open.
  if (auto e = resolve(q.before, b.before, true)) return unexpected(*e);
  if (!q.ids.empty()) {
    std::string list = ",";
    for (const std::string& uid : q.ids) {
      auto s = seq_of(uid);
      if (!s) return unexpected(s.error());
      list += std::to_string(*s) + ",";
    }
    b.ids = std::move(list);
  }
  return b;
}

}  // namespace confab::store
