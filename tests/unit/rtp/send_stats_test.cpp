// Sender counters, SR construction and the RTCP interval (RFC 3550 §6.3, A.7).
#include <gtest/gtest.h>

#include <algorithm>

#include "core/rng.hpp"
#include "rtp/rtcp_interval.hpp"
#include "rtp/send_stats.hpp"

namespace confab::rtp {
namespace {

const Instant t0 = Instant{} + std::chrono::seconds(50);

// Every next_u32() is 0x80000000: the randomisation factor is exactly 1.
class MiddleRng final : public Rng {
 public:
  void fill(std::span<std::uint8_t> out) override {
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = (i % 4 == 0) ? 0x80 : 0x00;
  }
};

double seconds(Duration d) { return std::chrono::duration<double>(d).count(); }

TEST(SendStatistics, CountsPacketsAndPayloadOctets) {
  SendStatistics s(0xABCD, 48000);
  EXPECT_FALSE(s.has_sent());
  EXPECT_FALSE(s.rtp_timestamp_at(t0));
  s.on_packet_sent(t0, 1000, 160);
  s.on_packet_sent(t0 + std::chrono::milliseconds(20), 1960, 170);
  s.on_packet_sent(t0 + std::chrono::milliseconds(40), 2920, 150);
  EXPECT_EQ(s.packets_sent(), 3u);
  EXPECT_EQ(s.octets_sent(), 480u);
  SenderReport sr = s.make_sender_report(NtpTime::from_parts(1, 2), 3880, {ReportBlock{}});
  EXPECT_EQ(sr.ssrc, 0xABCDu);
  EXPECT_EQ(sr.packet_count, 3u);
  EXPECT_EQ(sr.octet_count, 480u);
  EXPECT_EQ(sr.rtp_timestamp, 3880u);
  EXPECT_EQ(sr.ntp, NtpTime::from_parts(1, 2));
  EXPECT_EQ(sr.reports.size(), 1u);
}

TEST(SendStatistics, ExtrapolatesTheRtpClockToNow) {
  SendStatistics s(1, 90000);
  s.on_packet_sent(t0, 0xFFFFFF00u, 1000);
  EXPECT_EQ(s.rtp_timestamp_at(t0 + std::chrono::milliseconds(100)), 0xFFFFFF00u + 9000u);  // wraps
  EXPECT_EQ(s.rtp_timestamp_at(t0 - std::chrono::milliseconds(10)), 0xFFFFFF00u - 900u);
}

TEST(RtcpInterval, UsesTheMinimumWhenReportsAreSmall) {
  MiddleRng rng;
  RtcpIntervalConfig c;  // 64 kbit/s: 3200 bit/s of RTCP; 128-byte reports → 0.64 s < 1 s
  EXPECT_NEAR(seconds(rtcp_interval(c, 128, false, rng)), 1.0 / 1.21828, 1e-4);
  // The first report uses half the minimum: max(0.5, 0.64) = 0.64 s.
  EXPECT_NEAR(seconds(rtcp_interval(c, 128, true, rng)), 0.64 / 1.21828, 1e-4);
}

TEST(RtcpInterval, GrowsWhenBandwidthIsScarce) {
  MiddleRng rng;
  RtcpIntervalConfig c;
  c.session_bandwidth_bps = 16'000;  // 800 bit/s: 128·8·2/800 = 2.56 s
  EXPECT_NEAR(seconds(rtcp_interval(c, 128, false, rng)), 2.56 / 1.21828, 1e-4);
}

TEST(RtcpInterval, IsRandomisedBetweenHalfAndOneAndAHalf) {
  SeededRng rng(7);
  RtcpIntervalConfig c;
  double lo = 10, hi = 0;
  for (int i = 0; i < 1000; ++i) {
    const double t = seconds(rtcp_interval(c, 128, false, rng));
    lo = std::min(lo, t);
    hi = std::max(hi, t);
  }
  EXPECT_GE(lo, 0.5 / 1.21828 - 1e-6);
  EXPECT_LE(hi, 1.5 / 1.21828 + 1e-6);
  EXPECT_LT(lo, 0.45);
  EXPECT_GT(hi, 1.18);
}

TEST(RtcpSchedule, FiresAtItsDeadlineAndReschedules) {
  MiddleRng rng;
  RtcpSchedule s(RtcpIntervalConfig{}, t0, rng);
  const Instant first = s.poll_timeout();
  EXPECT_GT(first, t0);
  EXPECT_FALSE(s.handle_timeout(first - std::chrono::milliseconds(1), rng));
  EXPECT_TRUE(s.handle_timeout(first, rng));
  EXPECT_NEAR(seconds(s.poll_timeout() - first), 1.0 / 1.21828, 1e-4);
  s.on_rtcp_packet(100);  // 128 with overhead: the average stays put
  EXPECT_DOUBLE_EQ(s.average_size(), 128.0);
  s.on_rtcp_packet(1572);  // 1600 with overhead: (1600 − 128)/16 more
  EXPECT_DOUBLE_EQ(s.average_size(), 128.0 + 92.0);
}

}  // namespace
}  // namespace confab::rtp
