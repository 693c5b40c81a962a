// RFC 3550 A.1/A.3/A.8 receiver statistics with hand-computed numbers, and
// the §6.4.1 round-trip time (its own worked example).
#include <gtest/gtest.h>

#include "rtp/receive_stats.hpp"

namespace confab::rtp {
namespace {

const Instant t0 = Instant{} + std::chrono::seconds(1000);

TEST(ReceiveStatistics, ASourceIsValidAfterTwoSequentialPackets) {
  ReceiveStatistics s(0x1234, 48000);
  EXPECT_EQ(s.on_packet(t0, 1000, 0), SequenceVerdict::probation);
  EXPECT_FALSE(s.validated());
  EXPECT_EQ(s.on_packet(t0, 1001, 960), SequenceVerdict::accepted);
  EXPECT_TRUE(s.validated());
  EXPECT_EQ(s.received(), 1u);
  EXPECT_EQ(s.expected(), 1u);
  EXPECT_EQ(s.extended_highest_sequence(), 1001u);
}

TEST(ReceiveStatistics, AnOutOfOrderStartRestartsProbation) {
  ReceiveStatistics s(1, 48000);
  EXPECT_EQ(s.on_packet(t0, 10, 0), SequenceVerdict::probation);
  EXPECT_EQ(s.on_packet(t0, 12, 0), SequenceVerdict::probation);
  EXPECT_EQ(s.on_packet(t0, 13, 0), SequenceVerdict::accepted);
  EXPECT_EQ(s.extended_highest_sequence(), 13u);
}

TEST(ReceiveStatistics, LossAndFractionLostPerInterval) {
  ReceiveStatistics s(1, 48000);
  s.on_packet(t0, 1000, 0);
  for (std::uint16_t seq = 1001; seq <= 1010; ++seq) {
    if (seq == 1004 || seq == 1007) continue;
    s.on_packet(t0, seq, 0);
  }
  EXPECT_EQ(s.expected(), 10u);
  EXPECT_EQ(s.received(), 8u);
  EXPECT_EQ(s.cumulative_lost(), 2);
  ReportBlock b = s.make_report_block(t0);
  EXPECT_EQ(b.ssrc, 1u);
  EXPECT_EQ(b.fraction_lost, 51);  // (2 << 8) / 10
  EXPECT_EQ(b.cumulative_lost, 2);
  EXPECT_EQ(b.extended_highest_sequence, 1010u);
  EXPECT_EQ(b.last_sr, 0u);
  EXPECT_EQ(b.delay_since_last_sr, 0u);

  // Next interval: 1011..1020 all arrive, and the late 1004 too.
  for (std::uint16_t seq = 1011; seq <= 1020; ++seq) s.on_packet(t0, seq, 0);
  s.on_packet(t0, 1004, 0);
  b = s.make_report_block(t0);
  EXPECT_EQ(b.fraction_lost, 0);  // 10 expected, 11 received: no loss in the interval
  EXPECT_EQ(b.cumulative_lost, 1);
}

TEST(ReceiveStatistics, SequenceNumbersWrapIntoANewCycle) {
  ReceiveStatistics s(1, 48000);
  s.on_packet(t0, 65533, 0);
  for (std::uint16_t seq : {65534, 65535, 0, 1, 2}) EXPECT_EQ(s.on_packet(t0, seq, 0), SequenceVerdict::accepted);
  EXPECT_EQ(s.extended_highest_sequence(), 65536u + 2u);
  EXPECT_EQ(s.expected(), 5u);
  EXPECT_EQ(s.cumulative_lost(), 0);
  // A packet from before the wrap, reordered: still the old cycle.
  s.on_packet(t0, 3, 0);
  s.on_packet(t0, 5, 0);
  EXPECT_EQ(s.on_packet(t0, 4, 0), SequenceVerdict::accepted);
  EXPECT_EQ(s.make_report_block(t0).extended_highest_sequence, 0x00010005u);
}

TEST(ReceiveStatistics, DuplicatesAreCountedNotReceived) {
  ReceiveStatistics s(1, 48000);
  s.on_packet(t0, 65534, 0);
  s.on_packet(t0, 65535, 0);
  s.on_packet(t0, 0, 0);
  EXPECT_EQ(s.on_packet(t0, 0, 0), SequenceVerdict::duplicate);
  EXPECT_EQ(s.on_packet(t0, 65535, 0), SequenceVerdict::duplicate);
  EXPECT_EQ(s.duplicates(), 2u);
  EXPECT_EQ(s.received(), 2u);
  EXPECT_EQ(s.cumulative_lost(), 0);
}

TEST(ReceiveStatistics, AJumpIsIgnoredOnceAndResyncsOnTheSecondPacket) {
  ReceiveStatistics s(1, 48000);
  s.on_packet(t0, 100, 0);
  s.on_packet(t0, 101, 0);
  s.on_packet(t0, 102, 0);
  EXPECT_EQ(s.on_packet(t0, 20000, 0), SequenceVerdict::bad_jump);
  EXPECT_EQ(s.received(), 2u);
  EXPECT_EQ(s.on_packet(t0, 20001, 0), SequenceVerdict::accepted);
  EXPECT_EQ(s.received(), 1u);
  EXPECT_EQ(s.expected(), 1u);
  EXPECT_EQ(s.extended_highest_sequence(), 20001u);
}

TEST(ReceiveStatistics, AGapBelowMaxDropoutIsLoss) {
  ReceiveStatistics s(1, 48000);
  s.on_packet(t0, 100, 0);
  s.on_packet(t0, 101, 0);
  EXPECT_EQ(s.on_packet(t0, 2101, 0), SequenceVerdict::accepted);
  EXPECT_EQ(s.cumulative_lost(), 1999);
}

TEST(ReceiveStatistics, InterarrivalJitterFollowsTheRfcFormula) {
  // 8 kHz clock, 20 ms packets (160 units). Arrivals after the probation
  // packet: 0 ms, +30 ms, +10 ms → transit differences 80 and 80 units.
  ReceiveStatistics s(1, 8000);
  s.on_packet(t0, 0, 0);
  s.on_packet(t0 + std::chrono::milliseconds(20), 1, 160);
  EXPECT_EQ(s.jitter(), 0u);
  s.on_packet(t0 + std::chrono::milliseconds(50), 2, 320);
  EXPECT_EQ(s.jitter(), 5u);  // J = 80/16
  s.on_packet(t0 + std::chrono::milliseconds(60), 3, 480);
  EXPECT_EQ(s.jitter(), 9u);  // 5 + (80 − 5)/16 = 9.69, the RFC's integer form gives 155/16
  EXPECT_EQ(s.jitter_duration(), std::chrono::microseconds(1125));
  EXPECT_EQ(s.make_report_block(t0).jitter, 9u);
}

TEST(ReceiveStatistics, EvenlySpacedPacketsHaveNoJitter) {
  ReceiveStatistics s(1, 90000);
  for (std::uint16_t i = 0; i < 50; ++i) {
    s.on_packet(t0 + std::chrono::milliseconds(33) * i, static_cast<std::uint16_t>(65500 + i), 2970u * i);
  }
  EXPECT_EQ(s.jitter(), 0u);
}

TEST(ReceiveStatistics, ReportBlockCarriesLsrAndDlsr) {
  ReceiveStatistics s(1, 48000);
  s.on_packet(t0, 1, 0);
  s.on_packet(t0, 2, 960);
  // SR sent at NTP 46853.125 s (§6.4.1's example): LSR 0xB7052000.
  s.on_sender_report(t0, NtpTime::from_parts(46853, 0x20000000));
  ReportBlock b = s.make_report_block(t0 + std::chrono::milliseconds(5250));
  EXPECT_EQ(b.last_sr, 0xB7052000u);
  EXPECT_EQ(b.delay_since_last_sr, 0x00054000u);  // 5.25 s
}

TEST(RoundTripTime, MatchesTheRfcExample) {
  // RR received at 46864.500, LSR 46853.125, DLSR 5.250 → RTT 6.125 s.
  ReportBlock b;
  b.last_sr = 0xB7052000;
  b.delay_since_last_sr = 0x00054000;
  auto rtt = round_trip_time(b, NtpTime::from_parts(46864, 0x80000000));
  ASSERT_TRUE(rtt);
  EXPECT_EQ(*rtt, std::chrono::milliseconds(6125));
}

TEST(RoundTripTime, NothingWithoutAnSrAndZeroWhenNegative) {
  ReportBlock b;
  EXPECT_FALSE(round_trip_time(b, NtpTime::from_parts(46864, 0)));
  b.last_sr = 0xB7100000;
  b.delay_since_last_sr = 0x00010000;
  EXPECT_EQ(round_trip_time(b, NtpTime::from_parts(0xB710, 0x80000000)), Duration::zero());
}

TEST(NtpTime, ConvertsFromSystemClock) {
  // 2024-01-01T00:00:00.5Z: Unix 1704067200.5 → NTP 3913056000.5
  const auto t = std::chrono::system_clock::time_point(std::chrono::milliseconds(1704067200500));
  NtpTime n = NtpTime::from_system_time(t);
  EXPECT_EQ(n.seconds(), 3913056000u);
  EXPECT_EQ(n.fraction(), 0x80000000u);
  EXPECT_EQ(to_ntp_short(std::chrono::milliseconds(1500)), 0x00018000u);
  EXPECT_EQ(from_ntp_short(0x00018000u), std::chrono::milliseconds(1500));
  EXPECT_EQ(to_ntp_short(-std::chrono::seconds(1)), 0u);
}

}  // namespace
}  // namespace confab::rtp
