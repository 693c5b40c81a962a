#pragma once
// The record cache of RFC 6762 §10: records kept for their TTL, goodbyes
// (TTL 0) expiring one second later (§10.1), cache-flush records replacing
// the rest of their record set once that set is more than a second old
// (§10.2), and the refresh points (80, 85, 90, 95 % of the TTL, §5.2) at
// which a browser still interested in a record asks for it again.
#include <cstdint>
#include <optional>
#include <vector>

#include "core/time.hpp"
#include "mdns/record.hpp"

namespace confab::mdns {

struct CacheEntry {
  Record record;
  Instant received;
  Instant expires;
  std::uint32_t interface = 0;
  int refreshes_asked = 0;  // refresh queries already sent for it (0..4)
};

class Cache {
 public:
  explicit Cache(std::size_t max_entries = 4096) : max_entries_(max_entries) {}

  // Every record of one received response at once: cache-flush applies to
  // the set as this packet leaves it (§10.2: records of this packet are
  // never flushed by one another). Returns true if anything changed.
  bool insert(Instant now, const std::vector<const Record*>& records, std::uint32_t interface);
  // Drops what has expired; true if anything did.
  bool expire(Instant now);
  std::optional<Instant> next_expiry() const;

  std::vector<const CacheEntry*> find(const Name& name, std::uint16_t rtype) const;
  // Is this record cached with at least half its TTL left (§7.1: include it as a known answer)?
  bool fresh(Instant now, const Record& r) const;
  // Remaining TTL in whole seconds.
  static std::uint32_t remaining_ttl(Instant now, const CacheEntry& e);

  std::vector<CacheEntry>& entries() { return entries_; }
  const std::vector<CacheEntry>& entries() const { return entries_; }

 private:
  std::size_t max_entries_;
  std::vector<CacheEntry> entries_;
};

}  // namespace confab::mdns
