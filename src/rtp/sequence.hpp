#pragma once
// Wrap-around arithmetic on 16-bit RTP sequence numbers and 32-bit
// timestamps (RFC 3550 §5.1: both start at random values and wrap).
#include <cstdint>
#include <optional>

namespace confab::rtp {

// a - b as the shortest signed distance: seq_delta(2, 65534) == 4.
inline std::int32_t seq_delta(std::uint16_t a, std::uint16_t b) {
  return static_cast<std::int16_t>(static_cast<std::uint16_t>(a - b));
}
// True when a comes after b (within half the sequence space).
inline bool seq_newer(std::uint16_t a, std::uint16_t b) { return seq_delta(a, b) > 0; }

inline std::int64_t ts_delta(std::uint32_t a, std::uint32_t b) {
  return static_cast<std::int32_t>(a - b);
}

// Extends 16-bit sequence numbers (or 32-bit timestamps, with Bits = 32) to
// 64 bits by assuming each value is within half the space of the newest one
// seen. The first value maps to itself plus 2^Bits, so that values a little
// older than the first still unwrap to a positive number.
template <int Bits>
class Unwrapper {
 public:
  std::int64_t unwrap(std::uint64_t value) {
    constexpr std::int64_t span = std::int64_t{1} << Bits;
    value &= static_cast<std::uint64_t>(span - 1);
    if (!last_) {
      last_ = span + static_cast<std::int64_t>(value);
      return *last_;
    }
    std::int64_t delta = static_cast<std::int64_t>(value) - (*last_ & (span - 1));
    if (delta > span / 2) delta -= span;
    if (delta < -span / 2) delta += span;
    std::int64_t out = *last_ + delta;
    if (out > *last_) last_ = out;
    return out;
  }
  // Unwraps without remembering the value as the newest.
  std::int64_t peek(std::uint64_t value) const {
    Unwrapper copy = *this;
    return copy.unwrap(value);
  }
  void reset() { last_.reset(); }

 private:
  std::optional<std::int64_t> last_;
};
using SeqUnwrapper = Unwrapper<16>;
using TimestampUnwrapper = Unwrapper<32>;

}  // namespace confab::rtp
