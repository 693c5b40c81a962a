#pragma once
// Per-source receiver state (RFC 3550 A.1, A.3, A.8) and what a receiver
// report needs: loss, extended highest sequence, jitter, LSR/DLSR (§6.4.1).
// Also the sender-side round-trip time from a report block.
#include <array>
#include <cstdint>
#include <optional>

#include "core/time.hpp"
#include "rtp/ntp_time.hpp"
#include "rtp/rtcp.hpp"

namespace confab::rtp {

enum class SequenceVerdict : std::uint8_t {
  accepted,       // counted as received
  probation,      // source not yet validated (A.1: MIN_SEQUENTIAL in-order packets needed)
  duplicate,      // already received (within the last 1024 sequence numbers); not counted
  bad_jump,       // a jump of more than MAX_DROPOUT; a second packet following it resyncs
};

class ReceiveStatistics {
 public:
  static constexpr int min_sequential = 2;
  static constexpr std::uint32_t max_dropout = 3000;
  static constexpr std::uint32_t max_misorder = 100;

  // `clock_rate`: the payload's RTP clock (48000 for Opus, 90000 for VP8).
  ReceiveStatistics(std::uint32_t ssrc, std::uint32_t clock_rate);

  // An RTP packet from this source arrived at `arrival`.
  SequenceVerdict on_packet(Instant arrival, std::uint16_t seq, std::uint32_t rtp_timestamp);
  // A sender report from this source arrived: remembered for LSR/DLSR.
  void on_sender_report(Instant arrival, NtpTime ntp);

  // The report block for our next SR/RR about this source. Starts a new
  // interval for fraction_lost (A.3), so call it once per report sent.
  ReportBlock make_report_block(Instant now);

  std::uint32_t ssrc() const { return ssrc_; }
  bool validated() const { return started_ && probation_ == 0; }
  std::uint32_t extended_highest_sequence() const { return cycles_ + max_seq_; }
  std::uint32_t expected() const;
  std::uint64_t received() const { return received_; }
  // Cumulative lost, before the 24-bit clamp of the report (negative with duplicates the window missed).
  std::int64_t cumulative_lost() const;
  std::uint64_t duplicates() const { return duplicates_; }
  // Interarrival jitter (A.8) in timestamp units, and as a Duration.
  std::uint32_t jitter() const { return static_cast<std::uint32_t>(jitter_q4_ >> 4); }
  Duration jitter_duration() const;

 private:
  void init_seq(std::uint16_t seq);
  void mark_received(std::int64_t extended);
  bool seen(std::int64_t extended) const;
  void update_jitter(Instant arrival, std::uint32_t rtp_timestamp);

  std::uint32_t ssrc_;
  std::uint32_t clock_rate_;
  bool started_ = false;
  std::uint16_t max_seq_ = 0;
  std::uint32_t cycles_ = 0;  // shifted count of wraps (A.1: multiples of 65536)
  std::uint32_t base_seq_ = 0;
  std::uint32_t bad_seq_ = 65536 + 1;
  int probation_ = 0;
  std::uint64_t received_ = 0;
  std::uint32_t expected_prior_ = 0;
  std::uint64_t received_prior_ = 0;
  std::uint64_t duplicates_ = 0;
  // Which of the last 1024 extended sequence numbers arrived (for duplicates).
  std::array<std::uint64_t, 16> window_{};

  std::optional<Instant> first_arrival_;  // the origin of the arrival clock in RTP units
  std::optional<std::uint32_t> last_transit_;
  std::uint64_t jitter_q4_ = 0;  // jitter × 16, the RFC's integer form

  std::uint32_t last_sr_ = 0;
  std::optional<Instant> last_sr_arrival_;
};

// Round-trip time from a report block about our stream (§6.4.1):
// now − LSR − DLSR in 16.16 NTP seconds. Nothing when LSR is 0 (the peer had
// no SR from us yet); a negative result (clock granularity) is taken as 0.
std::optional<Duration> round_trip_time(const ReportBlock& block, NtpTime now);

}  // namespace confab::rtp
