// The failed-auth limiter with fake time: locks after N failures in a
// window, doubling locks for persistent guessing, per source (IPv6 per /64)
// and per account, bounded tables.
#include "sasl/auth_limiter.hpp"

#include <gtest/gtest.h>

namespace confab::sasl {
namespace {

using namespace std::chrono_literals;

const Instant t0 = Instant(std::chrono::hours(24));
const IpAddress mallory = *IpAddress::parse("192.0.2.66");
const IpAddress alice_ip = *IpAddress::parse("198.51.100.7");

AuthLimiterConfig config() {
  AuthLimiterConfig c;
  c.per_source = {3, 10min, 1min, 8min};
  c.per_account = {5, 10min, 30s, 4min};
  return c;
}

TEST(AuthLimiter, ASourceIsLockedAfterMaxFailuresWithinTheWindow) {
  AuthLimiter l(config());
  l.record_failure(mallory, "a", t0);
  l.record_failure(mallory, "b", t0 + 1s);
  EXPECT_FALSE(l.source_locked(mallory, t0 + 2s));
  l.record_failure(mallory, "c", t0 + 2s);
  EXPECT_EQ(l.source_locked(mallory, t0 + 3s), t0 + 2s + 1min);
  EXPECT_FALSE(l.source_locked(alice_ip, t0 + 3s));
  EXPECT_FALSE(l.source_locked(mallory, t0 + 2s + 1min));
}

TEST(AuthLimiter, FailuresSpreadOverMoreThanAWindowDoNotLock) {
  AuthLimiter l(config());
  l.record_failure(mallory, {}, t0);
  l.record_failure(mallory, {}, t0 + 5min);
  l.record_failure(mallory, {}, t0 + 11min);  // a new window: 1 failure
  l.record_failure(mallory, {}, t0 + 12min);
  EXPECT_FALSE(l.source_locked(mallory, t0 + 12min));
}

TEST(AuthLimiter, EachLockThatFollowsSoonAfterTheLastLastsTwiceAsLongUpToTheMaximum) {
  AuthLimiter l(config());
  Instant now = t0;
  Duration expected = 1min;
  for (int round = 0; round < 6; ++round) {
    for (int i = 0; i < 3; ++i) l.record_failure(mallory, {}, now);
    auto until = l.source_locked(mallory, now);
    ASSERT_TRUE(until) << round;
    EXPECT_EQ(*until - now, expected) << round;
    now = *until;
    expected = std::min<Duration>(expected * 2, 8min);
  }
}

TEST(AuthLimiter, AQuietWindowAfterALockStartsTheLockLengthOver) {
  AuthLimiter l(config());
  for (int i = 0; i < 3; ++i) l.record_failure(mallory, {}, t0);
  const Instant free = *l.source_locked(mallory, t0);
  const Instant later = free + 10min;
  for (int i = 0; i < 3; ++i) l.record_failure(mallory, {}, later);
  EXPECT_EQ(*l.source_locked(mallory, later) - later, 1min);
}

TEST(AuthLimiter, AnAccountIsLockedWhateverTheSourcesAndHowItIsSpelled) {
  AuthLimiter l(config());
  for (int i = 0; i < 5; ++i) {
    const auto ip = IpAddress::v4(static_cast<std::uint32_t>(0xC0000200 + i));
    l.record_failure(ip, i % 2 ? "Alice" : "alice", t0);
  }
  EXPECT_EQ(l.account_locked("ALICE", t0), t0 + 30s);
  EXPECT_FALSE(l.account_locked("bob", t0));
  EXPECT_EQ(l.locked(alice_ip, "alice", t0), t0 + 30s);
  EXPECT_FALSE(l.account_locked("", t0));
}

TEST(AuthLimiter, SuccessClearsTheAccountsCountButNotTheSources) {
  AuthLimiter l(config());
  for (int i = 0; i < 4; ++i) l.record_failure(IpAddress::v4(static_cast<std::uint32_t>(i)), "alice", t0);
  l.record_success("alice");  // alice got in after four typos
  l.record_failure(alice_ip, "alice", t0 + 1s);
  EXPECT_FALSE(l.account_locked("alice", t0 + 1s));
  // mallory's source had 2 failures in its current window; one more locks it.
  AuthLimiter m(config());
  m.record_failure(mallory, "mallory", t0);
  m.record_failure(mallory, "alice", t0);
  m.record_success("mallory");
  m.record_failure(mallory, "bob", t0);
  EXPECT_TRUE(m.source_locked(mallory, t0));
}

TEST(AuthLimiter, Ipv6SourcesAreCountedPerSlash64) {
  AuthLimiter l(config());
  l.record_failure(*IpAddress::parse("2001:db8:1:2::1"), {}, t0);
  l.record_failure(*IpAddress::parse("2001:db8:1:2::2"), {}, t0);
  l.record_failure(*IpAddress::parse("2001:db8:1:2:aaaa::3"), {}, t0);
  EXPECT_TRUE(l.source_locked(*IpAddress::parse("2001:db8:1:2:ffff::"), t0));
  EXPECT_FALSE(l.source_locked(*IpAddress::parse("2001:db8:1:3::1"), t0));
  EXPECT_EQ(l.tracked_sources(), 1u);
}

TEST(AuthLimiter, TablesStayBoundedIdleKeysGoFirst) {
  AuthLimiterConfig c = config();
  c.max_entries = 4;
  AuthLimiter l(c);
  for (int i = 0; i < 3; ++i) l.record_failure(mallory, "alice", t0);  // mallory locked, alice has 3
  for (std::uint32_t i = 1; i <= 3; ++i) l.record_failure(IpAddress::v4(i), "idle" + std::to_string(i), t0);
  EXPECT_EQ(l.tracked_sources(), 4u);
  // An hour later the three idle sources can go; mallory's lock history too.
  const Instant later = t0 + 1h;
  for (std::uint32_t i = 10; i < 20; ++i) l.record_failure(IpAddress::v4(i), {}, later + std::chrono::seconds(i));
  EXPECT_LE(l.tracked_sources(), 4u);
  EXPECT_LE(l.tracked_accounts(), 4u);
}

TEST(AuthLimiter, AFullTableOfActiveKeysDropsTheLeastRecentlyActive) {
  AuthLimiterConfig c = config();
  c.max_entries = 2;
  AuthLimiter l(c);
  for (int i = 0; i < 3; ++i) l.record_failure(mallory, {}, t0);
  l.record_failure(IpAddress::v4(1), {}, t0 + 1s);
  l.record_failure(IpAddress::v4(2), {}, t0 + 2s);
  EXPECT_EQ(l.tracked_sources(), 2u);
  EXPECT_FALSE(l.source_locked(mallory, t0 + 3s));  // the bound wins over the lock
}

TEST(AuthLimiter, ZeroMaxFailuresMeansUnlimited) {
  AuthLimiterConfig c = config();
  c.per_source.max_failures = 0;
  AuthLimiter l(c);
  for (int i = 0; i < 100; ++i) l.record_failure(mallory, {}, t0);
  EXPECT_FALSE(l.source_locked(mallory, t0));
  EXPECT_EQ(l.tracked_sources(), 0u);
}

}  // namespace
}  // namespace confab::sasl
