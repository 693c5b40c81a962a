#pragma once
// What an archive query names by message id — XEP-0313's after-id,
// before-id and ids, RSM's after and before — as bounds on an archive
// table's seq column, for both archives (users' and rooms'). Exclusive
// bounds, open when not asked for; an id not in the archive is not_found.
#include <chrono>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <string>

#include "xmpp/xmpp_storage.hpp"

namespace confab::store {

struct ArchiveSeqBounds {
  std::int64_t above = 0;                                   // after-id
  std::int64_t below = std::numeric_limits<std::int64_t>::max();  // before-id
  std::optional<std::string> ids;                           // ",seq,seq,": only these
  std::int64_t after = 0;                                   // RSM <after/>
  std::int64_t before = std::numeric_limits<std::int64_t>::max();  // RSM <before/> (empty: the last page)
};

// `seq_of` finds a message's seq in the archive being queried.
using SeqOf = std::function<xmpp::StorageResult<std::int64_t>(const std::string& uid)>;
xmpp::StorageResult<ArchiveSeqBounds> archive_seq_bounds(const xmpp::ArchiveQuery& q, const SeqOf& seq_of);

// Archive stamps are stored as whole seconds since 1970.
inline std::int64_t unix_seconds(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

}  // namespace confab::store
