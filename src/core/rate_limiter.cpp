#include "core/rate_limiter.hpp"

#include <algorithm>
#include <chrono>

namespace confab {

bool RateLimiter::allow(const IpAddress& source, Instant now) {
  if (limit_.per_second <= 0) return true;
  auto refill_and_take = [&](Bucket& b) {
    double elapsed = std::chrono::duration<double>(now - b.last).count();
    if (elapsed > 0) {
      b.tokens = std::min(limit_.burst, b.tokens + elapsed * limit_.per_second);
      b.last = now;
    }
    if (b.tokens < 1.0) return false;
    b.tokens -= 1.0;
    return true;
  };

  if (auto it = buckets_.find(source); it != buckets_.end()) return refill_and_take(it->second);
  if (buckets_.size() >= limit_.max_sources) evict_stale(now);
  if (buckets_.size() >= limit_.max_sources) {
    // Table full of sources active right now (a flood from many addresses):
    // newcomers share one bucket rather than growing memory without bound.
    if (overflow_.last == Instant{}) overflow_ = {limit_.burst, now};
    return refill_and_take(overflow_);
  }
  auto [it, inserted] = buckets_.emplace(source, Bucket{std::max(1.0, limit_.burst), now});
  return refill_and_take(it->second);
}

void RateLimiter::evict_stale(Instant now) {
  // A bucket that has been idle long enough to refill completely carries no
  // information: dropping it is indistinguishable from keeping it.
  auto full_after = std::chrono::duration<double>(limit_.burst / limit_.per_second);
  std::erase_if(buckets_, [&](const auto& kv) {
    return std::chrono::duration<double>(now - kv.second.last) >= full_after;
  });
}

}  // namespace confab
