#pragma once
// When to send the next RTCP report (RFC 3550 §6.3, A.7), simplified for a
// two-party call: both parties are members and (usually) senders, so the
// 25%/75% sender/receiver split of the RTCP bandwidth never applies.
#include <cstddef>
#include <cstdint>

#include "core/rng.hpp"
#include "core/time.hpp"

namespace confab::rtp {

struct RtcpIntervalConfig {
  std::uint64_t session_bandwidth_bps = 64'000;  // the stream's b=AS, or an estimate
  double rtcp_fraction = 0.05;                   // §6.2: RTCP gets 5% of the session bandwidth
  // §6.2 says 5 s; we default to 1 s, which RFC 4585 (AVPF, whose
  // feedback we use) permits through its trr-int and RFC 3550 §6.2 permits
  // as the "reduced minimum" (360 / kbit/s seconds) for sessions of at least
  // 72 kbit/s. Reports every second keep RTT and loss figures current.
  Duration min_interval = std::chrono::seconds(1);
  std::size_t members = 2;
};

// A.7's interval: Td = max(Tmin, avg_rtcp_size·8·members / rtcp_bw), where
// Tmin is halved for the first report, then ×U[0.5, 1.5] and ÷(e − 3/2)
// (the compensation for timer reconsideration, kept for compatibility).
Duration rtcp_interval(const RtcpIntervalConfig& config, double avg_rtcp_size_bytes, bool initial, Rng& rng);

// Keeps the average RTCP packet size (A.7: ×1/16 smoothing, with UDP/IP
// overhead) and the next report time.
class RtcpSchedule {
 public:
  RtcpSchedule(RtcpIntervalConfig config, Instant now, Rng& rng);

  Instant poll_timeout() const { return next_; }
  // True when a report is due now; the next one is then scheduled.
  bool handle_timeout(Instant now, Rng& rng);
  // Every RTCP compound sent or received (payload size; 28 bytes of
  // IPv4+UDP overhead are added, as A.7 counts them).
  void on_rtcp_packet(std::size_t size);
  double average_size() const { return avg_size_; }

 private:
  RtcpIntervalConfig config_;
  double avg_size_;
  Instant next_;
};

}  // namespace confab::rtp
