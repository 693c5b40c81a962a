#include "sip/location_service.hpp"

#include <algorithm>

namespace confab::sip {

std::uint32_t Binding::seconds_left(Instant now) const {
  if (expires_at <= now) return 0;
  return static_cast<std::uint32_t>(std::chrono::ceil<std::chrono::seconds>(expires_at - now).count());
}

std::vector<Binding> LocationService::lookup(const std::string& aor, Instant now) const {
  std::vector<Binding> out;
  auto it = table_.find(aor);
  if (it == table_.end()) return out;
  for (const auto& b : it->second)
    if (b.expires_at > now) out.push_back(b);
  std::stable_sort(out.begin(), out.end(), [](const Binding& a, const Binding& b) { return a.q > b.q; });
  return out;
}

std::size_t LocationService::expire(Instant now) {
  next_expiry_cache_.reset();
  std::size_t n = 0;
  for (auto it = table_.begin(); it != table_.end();) {
    n += static_cast<std::size_t>(std::erase_if(it->second, [&](const Binding& b) { return b.expires_at <= now; }));
    it = it->second.empty() ? table_.erase(it) : std::next(it);
  }
  return n;
}

void LocationService::flow_closed(std::uint64_t flow) {
  if (flow == 0) return;
  next_expiry_cache_.reset();
  for (auto it = table_.begin(); it != table_.end();) {
    // An outbound binding lives and dies with its flow; a plain one keeps its
    // Contact URI and is reached by address from now on.
    std::erase_if(it->second, [&](const Binding& b) { return b.flow == flow && b.is_outbound(); });
    for (auto& b : it->second)
      if (b.flow == flow) b.flow = 0;
    it = it->second.empty() ? table_.erase(it) : std::next(it);
  }
}

std::optional<Instant> LocationService::next_expiry() const {
  if (next_expiry_cache_) return *next_expiry_cache_;
  std::optional<Instant> t;
  for (const auto& [aor, list] : table_)
    for (const auto& b : list)
      if (!t || b.expires_at < *t) t = b.expires_at;
  next_expiry_cache_ = t;
  return t;
}

std::optional<Binding> LocationService::find_contact(std::string_view uri, Instant now) const {
  for (const auto& [aor, list] : table_)
    for (const auto& b : list)
      if (b.contact_uri == uri && b.expires_at > now) return b;
  return std::nullopt;
}

std::size_t LocationService::size() const {
  std::size_t n = 0;
  for (const auto& [aor, list] : table_) n += list.size();
  return n;
}

const std::vector<Binding>* LocationService::bindings(const std::string& aor) const {
  auto it = table_.find(aor);
  return it == table_.end() ? nullptr : &it->second;
}

}  // namespace confab::sip
