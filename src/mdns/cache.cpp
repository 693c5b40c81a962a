#include "mdns/cache.hpp"

#include <algorithm>

namespace confab::mdns {

namespace {
bool same_set(const Record& a, const Record& b) { return a.rtype == b.rtype && a.rclass == b.rclass && a.name == b.name; }
}  // namespace

bool Cache::insert(Instant now, const std::vector<const Record*>& records, std::uint32_t interface) {
  bool changed = false;
  // §10.2: a cache-flush record says "these are all the records of this
  // set"; older members (received more than 1 s ago) go in one second.
  for (const Record* r : records) {
    if (!r->cache_flush || r->ttl == 0) continue;
    for (auto& e : entries_) {
      if (!same_set(e.record, *r) || now - e.received <= 1s) continue;
      const bool in_packet = std::any_of(records.begin(), records.end(),
                                         [&](const Record* x) { return x->same_record(e.record); });
      if (!in_packet && e.expires > now + 1s) e.expires = now + 1s;
    }
  }
  for (const Record* r : records) {
    auto it = std::find_if(entries_.begin(), entries_.end(), [&](const CacheEntry& e) { return e.record.same_record(*r); });
    if (r->ttl == 0) {  // §10.1 goodbye: gone in one second
      if (it != entries_.end() && it->expires > now + 1s) it->expires = now + 1s;
      continue;
    }
    const Instant expires = now + std::chrono::seconds(r->ttl);
    if (it != entries_.end()) {
      it->record.ttl = r->ttl;
      it->record.cache_flush = r->cache_flush;
      it->received = now;
      it->expires = expires;
      it->interface = interface;
      it->refreshes_asked = 0;
      continue;
    }
    if (entries_.size() >= max_entries_) continue;  // a flood of names cannot grow memory without bound
    entries_.push_back({*r, now, expires, interface, 0});
    changed = true;
  }
  return changed;
}

bool Cache::expire(Instant now) {
  const auto before = entries_.size();
  std::erase_if(entries_, [&](const CacheEntry& e) { return e.expires <= now; });
  return entries_.size() != before;
}

std::optional<Instant> Cache::next_expiry() const {
  std::optional<Instant> out;
  for (const auto& e : entries_)
    if (!out || e.expires < *out) out = e.expires;
  return out;
}

std::vector<const CacheEntry*> Cache::find(const Name& name, std::uint16_t rtype) const {
  std::vector<const CacheEntry*> out;
  for (const auto& e : entries_)
    if (e.record.rtype == rtype && e.record.name == name) out.push_back(&e);
  return out;
}

std::uint32_t Cache::remaining_ttl(Instant now, const CacheEntry& e) {
  if (e.expires <= now) return 0;
  return static_cast<std::uint32_t>(std::chrono::duration_cast<std::chrono::seconds>(e.expires - now).count());
}

bool Cache::fresh(Instant now, const Record& r) const {
  for (const auto& e : entries_)
    if (e.record.same_record(r)) return (e.expires - now) * 2 > (e.expires - e.received);
  return false;
}

}  // namespace confab::mdns
