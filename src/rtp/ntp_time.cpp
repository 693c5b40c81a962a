// NTP time conversions (RFC 3550 §4, RFC 5905 §6 for the 1900 epoch).
#include "rtp/ntp_time.hpp"

namespace confab::rtp {
namespace {
// Seconds from 1900-01-01 (NTP era 0) to 1970-01-01 (the Unix epoch).
constexpr std::int64_t ntp_unix_offset = 2'208'988'800;
}  // namespace

NtpTime NtpTime::from_system_time(std::chrono::system_clock::time_point t) {
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
  std::int64_t secs = ns / 1'000'000'000;
  std::int64_t rem = ns % 1'000'000'000;
  if (rem < 0) {
    rem += 1'000'000'000;
    secs -= 1;
  }
  // Era wrap (2036) is the truncation to 32 bits, as the wire format does.
  const auto s = static_cast<std::uint32_t>(static_cast<std::uint64_t>(secs + ntp_unix_offset));
  const auto frac = static_cast<std::uint32_t>((static_cast<std::uint64_t>(rem) << 32) / 1'000'000'000u);
  return from_parts(s, frac);
}

Duration from_ntp_short(std::uint32_t units) {
  const auto ns = (static_cast<std::uint64_t>(units) * 1'000'000'000u) >> 16;
  return std::chrono::duration_cast<Duration>(std::chrono::nanoseconds(static_cast<std::int64_t>(ns)));
}

std::uint32_t to_ntp_short(Duration d) {
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(d).count();
  if (ns <= 0) return 0;
  if (ns >= std::int64_t{65536} * 1'000'000'000) return 0xFFFFFFFFu;
  const auto units = (static_cast<std::uint64_t>(ns) << 16) / 1'000'000'000u;
  return static_cast<std::uint32_t>(units);
}

}  // namespace confab::rtp
