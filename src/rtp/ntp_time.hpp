#pragma once
// NTP timestamps (RFC 3550 §4): 32.32 fixed-point seconds since 1900. The
// wall clock is an input like everything else: the caller passes
// std::chrono::system_clock::now() in, this library never reads it.
#include <chrono>
#include <cstdint>

#include "core/time.hpp"

namespace confab::rtp {

struct NtpTime {
  std::uint64_t value = 0;  // seconds << 32 | fraction

  std::uint32_t seconds() const { return static_cast<std::uint32_t>(value >> 32); }
  std::uint32_t fraction() const { return static_cast<std::uint32_t>(value); }
  // The middle 32 bits (16.16 seconds), as carried in LSR (§6.4.1).
  std::uint32_t middle32() const { return static_cast<std::uint32_t>(value >> 16); }

  static NtpTime from_parts(std::uint32_t seconds, std::uint32_t fraction) {
    return {(std::uint64_t{seconds} << 32) | fraction};
  }
  static NtpTime from_system_time(std::chrono::system_clock::time_point t);
  bool operator==(const NtpTime&) const = default;
};

// 16.16 fixed-point seconds (DLSR, LSR differences, RTT) to and from Duration.
Duration from_ntp_short(std::uint32_t units);
std::uint32_t to_ntp_short(Duration d);  // negative → 0, saturates at 65536 s

}  // namespace confab::rtp
