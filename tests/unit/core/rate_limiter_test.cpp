#include "core/rate_limiter.hpp"

#include <gtest/gtest.h>

using namespace confab;

namespace {
const Instant t0 = Instant{} + std::chrono::hours(1);
IpAddress ip(std::uint32_t n) { return IpAddress::v4(0xC6336400u + n); }  // 198.51.100.n
}  // namespace

TEST(RateLimiter, AllowsTheBurstThenTheSustainedRate) {
  RateLimiter l({100, 10, 16});
  int allowed = 0;
  for (int i = 0; i < 50; ++i) allowed += l.allow(ip(1), t0);
  EXPECT_EQ(allowed, 10);
  allowed = 0;
  for (int i = 0; i < 50; ++i) allowed += l.allow(ip(1), t0 + std::chrono::milliseconds(100));
  EXPECT_EQ(allowed, 10);  // 100 ms × 100/s = 10 tokens
}

TEST(RateLimiter, ZeroMeansUnlimited) {
  RateLimiter l({0, 0, 16});
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(l.allow(ip(1), t0));
  EXPECT_EQ(l.tracked_sources(), 0u);
}

TEST(RateLimiter, SourcesHaveSeparateBudgets) {
  RateLimiter l({1, 1, 16});
  EXPECT_TRUE(l.allow(ip(1), t0));
  EXPECT_FALSE(l.allow(ip(1), t0));
  EXPECT_TRUE(l.allow(ip(2), t0));
}

TEST(RateLimiter, TheTableStaysBoundedUnderAFloodOfSources) {
  RateLimiter l({1, 1, 8});
  for (std::uint32_t i = 0; i < 1000; ++i) (void)l.allow(ip(i), t0);
  EXPECT_LE(l.tracked_sources(), 8u);
  // New sources share one bucket while the table is full of fresh entries...
  EXPECT_FALSE(l.allow(ip(5000), t0));
  // ...and stale entries make room again once they have refilled.
  EXPECT_TRUE(l.allow(ip(6000), t0 + std::chrono::seconds(5)));
}
