// NACK generation on the receiver and the retransmission buffer on the sender.
#include <gtest/gtest.h>

#include "rtp/nack.hpp"

namespace confab::rtp {
namespace {

using namespace std::chrono_literals;
using Seqs = std::vector<std::uint16_t>;
const Instant t0 = Instant{} + std::chrono::seconds(10);

TEST(NackGenerator, AGapIsNackedAtOnceAndAgainAfterTheRetryInterval) {
  NackGenerator g;  // retry 100 ms, no initial delay
  g.on_packet(t0, 10);
  g.on_packet(t0, 11);
  g.on_packet(t0, 14);
  EXPECT_EQ(g.missing(), 2u);
  EXPECT_EQ(g.poll_nacks(t0), (Seqs{12, 13}));
  EXPECT_EQ(g.poll_nacks(t0 + 50ms), Seqs{});
  EXPECT_EQ(g.poll_timeout(), t0 + 100ms);
  EXPECT_EQ(g.poll_nacks(t0 + 100ms), (Seqs{12, 13}));
  EXPECT_EQ(g.requests(), 4u);
}

TEST(NackGenerator, RecoveredPacketsAreForgotten) {
  NackGenerator g;
  g.on_packet(t0, 10);
  g.on_packet(t0, 14);
  g.poll_nacks(t0);
  g.on_packet(t0 + 30ms, 12);
  EXPECT_EQ(g.recovered(), 1u);
  EXPECT_EQ(g.poll_nacks(t0 + 100ms), (Seqs{11, 13}));
}

TEST(NackGenerator, GapsAcrossTheWrapAreFound) {
  NackGenerator g;
  g.on_packet(t0, 65534);
  g.on_packet(t0, 1);
  EXPECT_EQ(g.poll_nacks(t0), (Seqs{65535, 0}));
}

TEST(NackGenerator, GivesUpAfterMaxRetries) {
  NackConfig c;
  c.max_retries = 2;
  c.max_age = 10s;
  NackGenerator g(c);
  g.on_packet(t0, 1);
  g.on_packet(t0, 3);
  EXPECT_EQ(g.poll_nacks(t0), Seqs{2});
  EXPECT_EQ(g.poll_nacks(t0 + 100ms), Seqs{2});
  EXPECT_EQ(g.poll_nacks(t0 + 200ms), Seqs{});
  EXPECT_EQ(g.given_up(), 1u);
  EXPECT_EQ(g.missing(), 0u);
  EXPECT_FALSE(g.poll_timeout());
}

TEST(NackGenerator, GivesUpOnPacketsTooOld) {
  NackConfig c;
  c.max_age = 250ms;
  NackGenerator g(c);
  g.on_packet(t0, 1);
  g.on_packet(t0, 3);
  g.poll_nacks(t0);
  EXPECT_EQ(g.poll_nacks(t0 + 200ms), Seqs{2});
  EXPECT_EQ(g.poll_timeout(), t0 + 250ms);
  EXPECT_EQ(g.poll_nacks(t0 + 250ms), Seqs{});
  EXPECT_EQ(g.given_up(), 1u);
}

TEST(NackGenerator, WaitsTheInitialDelayForReordering) {
  NackConfig c;
  c.initial_delay = 20ms;
  NackGenerator g(c);
  g.on_packet(t0, 1);
  g.on_packet(t0, 3);
  EXPECT_EQ(g.poll_nacks(t0 + 10ms), Seqs{});
  EXPECT_EQ(g.poll_timeout(), t0 + 20ms);
  g.on_packet(t0 + 15ms, 2);  // just reordered
  EXPECT_EQ(g.poll_nacks(t0 + 20ms), Seqs{});
  EXPECT_EQ(g.missing(), 0u);
}

TEST(NackGenerator, RetriesFollowTheRttWhenLonger) {
  NackGenerator g;
  g.set_rtt(300ms);
  g.on_packet(t0, 1);
  g.on_packet(t0, 3);
  g.poll_nacks(t0);
  EXPECT_EQ(g.poll_nacks(t0 + 200ms), Seqs{});
  EXPECT_EQ(g.poll_nacks(t0 + 300ms), Seqs{2});
}

TEST(NackGenerator, AHugeJumpIsNotNacked) {
  NackGenerator g;
  g.on_packet(t0, 1);
  g.on_packet(t0, 3);
  g.on_packet(t0, 3 + 5000);
  EXPECT_EQ(g.missing(), 0u);
  EXPECT_EQ(g.given_up(), 1u);
  EXPECT_EQ(g.poll_nacks(t0), Seqs{});
}

Bytes packet_of(std::uint16_t seq, std::size_t size) {
  Bytes p(size, 0);
  p[2] = static_cast<std::uint8_t>(seq >> 8);
  p[3] = static_cast<std::uint8_t>(seq);
  return p;
}

TEST(RetransmissionBuffer, ReturnsTheStoredPacket) {
  RetransmissionBuffer b;
  for (std::uint16_t s = 65530; s != 10; ++s) b.on_packet_sent(t0, s, packet_of(s, 100));
  auto p = b.resend(t0, 2);
  ASSERT_TRUE(p);
  EXPECT_EQ((*p)[3], 2);
  EXPECT_EQ(b.resent(), 1u);
  EXPECT_FALSE(b.resend(t0, 11));
  EXPECT_EQ(b.not_found(), 1u);
}

TEST(RetransmissionBuffer, RateLimitsResendsPerPacket) {
  RetransmissionBuffer b;  // 50 ms
  b.on_packet_sent(t0, 7, packet_of(7, 50));
  EXPECT_TRUE(b.resend(t0, 7));
  EXPECT_FALSE(b.resend(t0 + 10ms, 7));
  EXPECT_EQ(b.rate_limited(), 1u);
  EXPECT_TRUE(b.resend(t0 + 50ms, 7));
}

TEST(RetransmissionBuffer, KeepsOnlyTheNewestPacketsWithinBounds) {
  RetransmissionConfig c;
  c.max_packets = 4;
  c.max_bytes = 1000;
  RetransmissionBuffer b(c);
  for (std::uint16_t s = 0; s < 6; ++s) b.on_packet_sent(t0, s, packet_of(s, 100));
  EXPECT_EQ(b.size(), 4u);
  EXPECT_FALSE(b.resend(t0, 1));
  EXPECT_TRUE(b.resend(t0, 2));
  b.on_packet_sent(t0, 6, packet_of(6, 800));  // 4·100 + 800 > 1000: the oldest go
  EXPECT_LE(b.bytes(), 1000u);
  EXPECT_FALSE(b.resend(t0, 3));
  EXPECT_TRUE(b.resend(t0, 6));
}

TEST(RetransmissionBuffer, FindsPacketsAfterGapsInWhatWasStored) {
  RetransmissionBuffer b;
  b.on_packet_sent(t0, 100, packet_of(100, 10));
  b.on_packet_sent(t0, 105, packet_of(105, 10));
  b.on_packet_sent(t0, 106, packet_of(106, 10));
  EXPECT_TRUE(b.resend(t0, 106));
  EXPECT_FALSE(b.resend(t0, 101));
}

}  // namespace
}  // namespace confab::rtp
