// RFC 3550 A.1 (sequence validation), A.3 (loss) and A.8 (jitter), kept
// close to the RFC's code so each line can be checked against it.
#include "rtp/receive_stats.hpp"

#include <algorithm>

namespace confab::rtp {
namespace {
constexpr std::uint32_t seq_mod = 65536;
constexpr std::int64_t window_bits = 1024;
}  // namespace

ReceiveStatistics::ReceiveStatistics(std::uint32_t ssrc, std::uint32_t clock_rate)
    : ssrc_(ssrc), clock_rate_(clock_rate == 0 ? 1 : clock_rate) {}

void ReceiveStatistics::init_seq(std::uint16_t seq) {
  base_seq_ = seq;
  max_seq_ = seq;
  bad_seq_ = seq_mod + 1;  // so seq == bad_seq is false
  cycles_ = 0;
  received_ = 0;
  received_prior_ = 0;
  expected_prior_ = 0;
  window_.fill(0);
}

bool ReceiveStatistics::seen(std::int64_t ext) const {
  const std::int64_t top = std::int64_t{cycles_} + max_seq_;
  if (ext < 0 || ext > top || top - ext >= window_bits) return false;
  const auto bit = static_cast<std::size_t>(ext % window_bits);
  return (window_[bit / 64] >> (bit % 64)) & 1u;
}

void ReceiveStatistics::mark_received(std::int64_t ext) {
  if (ext < 0) return;
  const auto bit = static_cast<std::size_t>(ext % window_bits);
  window_[bit / 64] |= std::uint64_t{1} << (bit % 64);
}

SequenceVerdict ReceiveStatistics::on_packet(Instant arrival, std::uint16_t seq, std::uint32_t rtp_timestamp) {
  if (!started_) {
    started_ = true;
    init_seq(seq);
    max_seq_ = static_cast<std::uint16_t>(seq - 1);
    probation_ = min_sequential;
  }
  const auto udelta = static_cast<std::uint16_t>(seq - max_seq_);
  if (probation_ > 0) {
    // A.1: the source is valid once MIN_SEQUENTIAL packets arrive in sequence.
    if (seq == static_cast<std::uint16_t>(max_seq_ + 1)) {
      probation_--;
      max_seq_ = seq;
      if (probation_ == 0) {
        init_seq(seq);
        received_++;
        mark_received(seq);
        update_jitter(arrival, rtp_timestamp);
        return SequenceVerdict::accepted;
      }
    } else {
      probation_ = min_sequential - 1;
      max_seq_ = seq;
    }
    return SequenceVerdict::probation;
  }
  std::int64_t ext = 0;
  if (udelta == 0) {
    ext = std::int64_t{cycles_} + max_seq_;
  } else if (udelta < max_dropout) {
    // In order, with a permissible gap. Clear the window bits we move past.
    const std::int64_t old_top = std::int64_t{cycles_} + max_seq_;
    if (seq < max_seq_) cycles_ += seq_mod;  // wrapped
    max_seq_ = seq;
    ext = std::int64_t{cycles_} + max_seq_;
    for (std::int64_t e = old_top + 1; e <= ext && e - old_top <= window_bits; ++e) {
      const auto bit = static_cast<std::size_t>(e % window_bits);
      window_[bit / 64] &= ~(std::uint64_t{1} << (bit % 64));
    }
  } else if (udelta <= seq_mod - max_misorder) {
    // The sequence number made a very large jump.
    if (seq == bad_seq_) {
      // Two sequential packets: assume the other side restarted without
      // telling us, so just re-sync (treat this packet as the first).
      init_seq(seq);
      ext = seq;
      last_transit_.reset();
    } else {
      bad_seq_ = (seq + 1u) & (seq_mod - 1);
      return SequenceVerdict::bad_jump;
    }
  } else {
    // Duplicate or reordered packet: older than max_seq_ by at most MAX_MISORDER.
    ext = std::int64_t{cycles_} + max_seq_ - (std::int64_t{seq_mod} - udelta);
  }
  if (seen(ext)) {
    duplicates_++;
    return SequenceVerdict::duplicate;
  }
  mark_received(ext);
  received_++;
  update_jitter(arrival, rtp_timestamp);
  return SequenceVerdict::accepted;
}

void ReceiveStatistics::update_jitter(Instant arrival, std::uint32_t rtp_timestamp) {
  // A.8: arrival time in timestamp units, from an arbitrary origin (the
  // first packet); only differences of transit times matter.
  if (!first_arrival_) first_arrival_ = arrival;
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(arrival - *first_arrival_).count();
  const auto elapsed = static_cast<std::uint64_t>(ns < 0 ? 0 : ns);
  // Seconds and the rest apart, so that ns × rate cannot overflow.
  const auto arrival_units = static_cast<std::uint32_t>((elapsed / 1'000'000'000u) * clock_rate_ +
                                                        (elapsed % 1'000'000'000u) * clock_rate_ / 1'000'000'000u);
  const std::uint32_t transit = arrival_units - rtp_timestamp;
  if (last_transit_) {
    const std::int32_t d = static_cast<std::int32_t>(transit - *last_transit_);
    const std::uint64_t ad = d < 0 ? static_cast<std::uint64_t>(-static_cast<std::int64_t>(d)) : static_cast<std::uint64_t>(d);
    // J += (|D| − J) / 16, in the RFC's ×16 integer form.
    jitter_q4_ = jitter_q4_ + ad - ((jitter_q4_ + 8) >> 4);
  }
  last_transit_ = transit;
}

std::uint32_t ReceiveStatistics::expected() const {
  if (!validated()) return 0;
  return extended_highest_sequence() - base_seq_ + 1;
}

std::int64_t ReceiveStatistics::cumulative_lost() const {
  return static_cast<std::int64_t>(expected()) - static_cast<std::int64_t>(received_);
}

Duration ReceiveStatistics::jitter_duration() const {
  return std::chrono::duration_cast<Duration>(std::chrono::nanoseconds(
      static_cast<std::int64_t>(std::uint64_t{jitter()} * 1'000'000'000u / clock_rate_)));
}

void ReceiveStatistics::on_sender_report(Instant arrival, NtpTime ntp) {
  last_sr_ = ntp.middle32();
  last_sr_arrival_ = arrival;
}

ReportBlock ReceiveStatistics::make_report_block(Instant now) {
  ReportBlock b;
  b.ssrc = ssrc_;
  b.extended_highest_sequence = validated() ? extended_highest_sequence() : 0;
  b.cumulative_lost = static_cast<std::int32_t>(std::clamp<std::int64_t>(cumulative_lost(), -0x800000, 0x7FFFFF));
  // A.3: fraction lost over the interval since the previous report.
  const std::uint32_t exp = expected();
  const std::int64_t expected_interval = std::int64_t{exp} - expected_prior_;
  const std::int64_t received_interval = static_cast<std::int64_t>(received_ - received_prior_);
  const std::int64_t lost_interval = expected_interval - received_interval;
  expected_prior_ = exp;
  received_prior_ = received_;
  if (expected_interval > 0 && lost_interval > 0) {
    b.fraction_lost = static_cast<std::uint8_t>(std::min<std::int64_t>((lost_interval << 8) / expected_interval, 255));
  }
  b.jitter = jitter();
  if (last_sr_arrival_) {
    b.last_sr = last_sr_;
    b.delay_since_last_sr = to_ntp_short(now - *last_sr_arrival_);
  }
  return b;
}

std::optional<Duration> round_trip_time(const ReportBlock& block, NtpTime now) {
  if (block.last_sr == 0) return std::nullopt;
  const std::uint32_t rtt = now.middle32() - block.last_sr - block.delay_since_last_sr;
  if (rtt >= 0x80000000u) return Duration::zero();  // "negative": rounding or a bogus DLSR
  return from_ntp_short(rtt);
}

}  // namespace confab::rtp
