#pragma once
// Per-source token buckets with a bounded table: the building block of every
// "no amplification, limit every rate" rule. Sans-I/O: `now` is a parameter.
#include <cstddef>
#include <cstdint>
#include <unordered_map>

#include "core/address.hpp"
#include "core/time.hpp"

namespace confab {

struct RateLimit {
  double per_second = 0;    // sustained rate; 0 = unlimited
  double burst = 0;         // bucket depth (>= 1 when limited)
  std::size_t max_sources = 65536;  // table bound; when full, stale entries are evicted,
                                    // and if none is stale new sources share one bucket
};

class RateLimiter {
 public:
  explicit RateLimiter(RateLimit limit) : limit_(limit) {}

  // True if a packet from `source` at `now` is within its budget (and spends a token).
  bool allow(const IpAddress& source, Instant now);
  std::size_t tracked_sources() const { return buckets_.size(); }

 private:
  struct Bucket {
    double tokens;
    Instant last;
  };
  void evict_stale(Instant now);

  RateLimit limit_;
  std::unordered_map<IpAddress, Bucket, IpAddressHash> buckets_;
  Bucket overflow_{0, {}};  // shared by new sources while the table is full of active ones
};

}  // namespace confab
