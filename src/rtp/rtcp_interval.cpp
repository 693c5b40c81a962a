// RTCP transmission interval (RFC 3550 §6.3.1, A.7).
#include "rtp/rtcp_interval.hpp"

#include <algorithm>
#include <cmath>

namespace confab::rtp {
namespace {
constexpr double udp_ip_overhead = 28.0;
constexpr double compensation = 2.71828182845904523536 - 1.5;  // e − 3/2
}  // namespace

Duration rtcp_interval(const RtcpIntervalConfig& config, double avg_rtcp_size_bytes, bool initial, Rng& rng) {
  const double tmin = std::chrono::duration<double>(config.min_interval).count() / (initial ? 2.0 : 1.0);
  const double rtcp_bw_bps = static_cast<double>(config.session_bandwidth_bps) * config.rtcp_fraction;
  double t = tmin;
  if (rtcp_bw_bps > 0) {
    t = std::max(tmin, avg_rtcp_size_bytes * 8.0 * static_cast<double>(std::max<std::size_t>(config.members, 1)) /
                           rtcp_bw_bps);
  }
  // Randomise to [0.5, 1.5]·Td so that reports do not synchronise.
  const double u = static_cast<double>(rng.next_u32()) / 4294967296.0;
  t = t * (u + 0.5) / compensation;
  return std::chrono::duration_cast<Duration>(std::chrono::duration<double>(t));
}

RtcpSchedule::RtcpSchedule(RtcpIntervalConfig config, Instant now, Rng& rng)
    : config_(config), avg_size_(100.0 + udp_ip_overhead), next_(now + rtcp_interval(config_, avg_size_, true, rng)) {}

bool RtcpSchedule::handle_timeout(Instant now, Rng& rng) {
  if (now < next_) return false;
  next_ = now + rtcp_interval(config_, avg_size_, false, rng);
  return true;
}

void RtcpSchedule::on_rtcp_packet(std::size_t size) {
  avg_size_ = (static_cast<double>(size) + udp_ip_overhead) / 16.0 + avg_size_ * 15.0 / 16.0;
}

}  // namespace confab::rtp
