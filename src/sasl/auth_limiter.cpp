#include "sasl/auth_limiter.hpp"

#include <algorithm>
#include <array>

#include "core/text.hpp"

namespace confab::sasl {
namespace {

Duration lock_length(const FailureLimit& limit, std::uint32_t locks) {
  Duration d = limit.lockout;
  for (std::uint32_t i = 0; i < locks && d < limit.max_lockout; ++i) d *= 2;
  return std::min(d, limit.max_lockout);
}

// Nothing left to remember: not locked, its window over, and quiet for a
// window since its last lock ended (so its lock count may start over).
bool idle(const auto& e, Instant now, const FailureLimit& limit) {
  return now >= e.locked_until && now - e.window_start >= limit.window && now - e.locked_until >= limit.window;
}

}  // namespace

template <class Key, class Hash>
std::optional<Instant> AuthLimiter::Table<Key, Hash>::locked(const Key& key, Instant now) const {
  auto it = entries.find(key);
  if (it == entries.end() || now >= it->second.locked_until) return std::nullopt;
  return it->second.locked_until;
}

template <class Key, class Hash>
void AuthLimiter::Table<Key, Hash>::make_room(Instant now, const FailureLimit& limit) {
  const std::size_t before = entries.size();
  std::erase_if(entries, [&](const auto& kv) { return idle(kv.second, now, limit); });
  if (entries.size() < before) return;
  auto oldest = std::min_element(entries.begin(), entries.end(),
                                 [](const auto& a, const auto& b) { return a.second.last < b.second.last; });
  if (oldest != entries.end()) entries.erase(oldest);
}

template <class Key, class Hash>
void AuthLimiter::Table<Key, Hash>::fail(const Key& key, Instant now, const FailureLimit& limit,
                                         std::size_t max_entries) {
  if (limit.max_failures == 0) return;
  auto it = entries.find(key);
  if (it == entries.end()) {
    if (entries.size() >= max_entries) make_room(now, limit);
    it = entries.emplace(key, Entry{0, 0, now, Instant{}, now}).first;
  }
  Entry& e = it->second;
  e.last = now;
  if (now < e.locked_until) return;  // already locked: the caller should not have tried
  if (idle(e, now, limit)) e.locks = 0;
  if (now - e.window_start >= limit.window) {
    e.window_start = now;
    e.failures = 0;
  }
  if (++e.failures < limit.max_failures) return;
  e.locked_until = now + lock_length(limit, e.locks);
  ++e.locks;
  e.failures = 0;
  e.window_start = e.locked_until;  // the next window opens when the lock ends
}

IpAddress AuthLimiter::source_key(const IpAddress& a) {
  if (a.is_v4()) return a;
  std::array<std::uint8_t, 16> b{};
  std::copy_n(a.data(), 8, b.begin());
  return IpAddress::v6(b);
}

std::string AuthLimiter::account_key(std::string_view account) { return ascii_lower(account); }

std::optional<Instant> AuthLimiter::source_locked(const IpAddress& source, Instant now) const {
  return sources_.locked(source_key(source), now);
}

std::optional<Instant> AuthLimiter::account_locked(std::string_view account, Instant now) const {
  if (account.empty()) return std::nullopt;
  return accounts_.locked(account_key(account), now);
}

std::optional<Instant> AuthLimiter::locked(const IpAddress& source, std::string_view account, Instant now) const {
  auto s = source_locked(source, now);
  auto a = account_locked(account, now);
  if (s && a) return std::max(*s, *a);
  return s ? s : a;
}

void AuthLimiter::record_failure(const IpAddress& source, std::string_view account, Instant now) {
  sources_.fail(source_key(source), now, config_.per_source, config_.max_entries);
  if (!account.empty()) accounts_.fail(account_key(account), now, config_.per_account, config_.max_entries);
}

void AuthLimiter::record_success(std::string_view account) {
  if (auto it = accounts_.entries.find(account_key(account)); it != accounts_.entries.end())
    it->second.failures = 0;
}

}  // namespace confab::sasl
