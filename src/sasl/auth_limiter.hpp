#pragma once
// Failed-authentication limits, per source address and per account,
// sans-I/O (`now` is a parameter). After `max_failures` failures within
// `window`, the key is locked for `lockout`. A lock that follows within a
// window of the previous one's end lasts twice as long (up to
// `max_lockout`), so persistent guessing slows down geometrically.
//
// Both keys matter: per source stops one address guessing many accounts,
// per account stops many addresses guessing one. Unknown account names are
// counted like real ones, so a lock says nothing about existence. IPv6
// sources are counted per /64, the usual smallest allocation, so one host
// cannot step around its limit by changing its interface identifier.
//
// Not core/rate_limiter.hpp: that is a token bucket that spends a token on
// every check; here the check ("is this key locked?") must be free and only
// failures count, and accounts are strings, not addresses.
//
// The per-account lock is a denial-of-service lever (anyone can lock out
// alice by failing as alice), hence short defaults that grow only for
// persistent guessing. A successful login clears the account's failure
// count (its owner's typos), never a source's: else an attacker with one
// valid account could reset its own address between guesses.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/address.hpp"
#include "core/time.hpp"

namespace confab::sasl {

struct FailureLimit {
  std::uint32_t max_failures = 5;  // 0: unlimited
  Duration window = std::chrono::minutes(10);
  Duration lockout = std::chrono::minutes(1);
  Duration max_lockout = std::chrono::minutes(30);
};

struct AuthLimiterConfig {
  FailureLimit per_source{10, std::chrono::minutes(10), std::chrono::minutes(1), std::chrono::hours(1)};
  FailureLimit per_account{5, std::chrono::minutes(10), std::chrono::seconds(30), std::chrono::minutes(15)};
  // Per table. When full, idle keys go first, then the least recently
  // active one (a flood of fresh keys can thus push a locked key out; the
  // bound is what keeps memory fixed).
  std::size_t max_entries = 65536;
};

class AuthLimiter {
 public:
  explicit AuthLimiter(AuthLimiterConfig config) : config_(config) {}

  // nullopt: the key may try now; else the instant its lock ends.
  std::optional<Instant> source_locked(const IpAddress& source, Instant now) const;
  std::optional<Instant> account_locked(std::string_view account, Instant now) const;
  // Either lock, the later end.
  std::optional<Instant> locked(const IpAddress& source, std::string_view account, Instant now) const;

  // An empty `account` counts against the source only.
  void record_failure(const IpAddress& source, std::string_view account, Instant now);
  void record_success(std::string_view account);

  std::size_t tracked_sources() const { return sources_.entries.size(); }
  std::size_t tracked_accounts() const { return accounts_.entries.size(); }

 private:
  struct Entry {
    std::uint32_t failures = 0;
    std::uint32_t locks = 0;  // consecutive locks: the next lasts lockout << locks
    Instant window_start{};
    Instant locked_until{};
    Instant last{};
  };
  template <class Key, class Hash>
  struct Table {
    std::unordered_map<Key, Entry, Hash> entries;
    std::optional<Instant> locked(const Key& key, Instant now) const;
    void fail(const Key& key, Instant now, const FailureLimit& limit, std::size_t max_entries);
    void make_room(Instant now, const FailureLimit& limit);
  };

  static IpAddress source_key(const IpAddress& a);
  static std::string account_key(std::string_view account);

  AuthLimiterConfig config_;
  Table<IpAddress, IpAddressHash> sources_;
  Table<std::string, std::hash<std::string>> accounts_;
};

}  // namespace confab::sasl
