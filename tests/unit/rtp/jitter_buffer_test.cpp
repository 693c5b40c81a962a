// The adaptive audio jitter buffer: ordering, loss, lateness, duplicates,
// DTX gaps, overflow, and growing/shrinking with the measured jitter.
#include <gtest/gtest.h>

#include "rtp/jitter_buffer.hpp"

namespace confab::rtp {
namespace {

using namespace std::chrono_literals;
const Instant t0 = Instant{} + std::chrono::seconds(100);
constexpr std::uint32_t frame = 960;

Bytes payload(std::uint16_t seq) { return Bytes{static_cast<std::uint8_t>(seq), 0xAA}; }

PushResult push(JitterBuffer& jb, std::uint16_t seq, Instant at, std::uint32_t ts_index) {
  return jb.push(seq, ts_index * frame, at, payload(seq));
}
PushResult push(JitterBuffer& jb, std::uint16_t seq, Instant at) { return push(jb, seq, at, seq); }

// "F<seq>", "M" (missing) or "-" (nothing yet).
std::string show(const JitterOutput& o) {
  if (auto* f = std::get_if<AudioFrame>(&o)) return "F" + std::to_string(f->sequence_number);
  if (std::holds_alternative<MissingFrame>(o)) return "M";
  return "-";
}

TEST(JitterBuffer, PlaysInOrderPacketsOneFrameBehind) {
  JitterBuffer jb;
  EXPECT_FALSE(jb.poll_timeout());
  EXPECT_EQ(show(jb.pop(t0)), "-");
  std::string out;
  for (std::uint16_t i = 0; i < 6; ++i) {
    EXPECT_EQ(push(jb, i, t0 + 20ms * i), PushResult::buffered);
    out += show(jb.pop(t0 + 20ms * i));
  }
  EXPECT_EQ(out, "-F0F1F2F3F4");
  EXPECT_EQ(jb.poll_timeout(), t0 + 120ms);
  EXPECT_EQ(jb.target_delay(), 20ms);
  EXPECT_EQ(jb.counters().concealed, 0u);
  auto f = jb.pop(t0 + 120ms);
  ASSERT_TRUE(std::holds_alternative<AudioFrame>(f));
  EXPECT_EQ(std::get<AudioFrame>(f).timestamp, 5 * frame);
  EXPECT_EQ(std::get<AudioFrame>(f).payload, payload(5));
}

TEST(JitterBuffer, ReordersPacketsThatArriveInTime) {
  JitterBuffer jb;
  push(jb, 0, t0);
  push(jb, 2, t0 + 20ms);
  EXPECT_EQ(show(jb.pop(t0 + 20ms)), "F0");
  push(jb, 1, t0 + 25ms);
  EXPECT_EQ(show(jb.pop(t0 + 40ms)), "F1");
  EXPECT_EQ(show(jb.pop(t0 + 60ms)), "F2");
  EXPECT_EQ(jb.counters().late, 0u);
}

TEST(JitterBuffer, AReorderedPacketBeforePlayoutStartsEarlier) {
  JitterBuffer jb;
  push(jb, 1, t0);
  push(jb, 0, t0 + 5ms);
  EXPECT_EQ(show(jb.pop(t0 + 20ms)), "F0");
  EXPECT_EQ(show(jb.pop(t0 + 40ms)), "F1");
}

TEST(JitterBuffer, AMissingPacketIsConcealedAndALateOneDropped) {
  JitterBuffer jb;
  push(jb, 0, t0);
  EXPECT_EQ(show(jb.pop(t0 + 20ms)), "F0");
  auto m = jb.pop(t0 + 40ms);
  ASSERT_TRUE(std::holds_alternative<MissingFrame>(m));
  EXPECT_EQ(std::get<MissingFrame>(m).timestamp, frame);
  EXPECT_EQ(jb.counters().concealed, 1u);
  EXPECT_EQ(push(jb, 1, t0 + 45ms), PushResult::late);
  EXPECT_EQ(jb.counters().late, 1u);
  push(jb, 2, t0 + 45ms);
  EXPECT_EQ(show(jb.pop(t0 + 60ms)), "F2");
}

// A sender whose timestamps fell 200 ms behind real time (it skipped
// sending without advancing its clock): its packets are all late, and after
// five in a row the schedule restarts from them instead of concealing forever.
TEST(JitterBuffer, ARunOfLatePacketsRestartsTheSchedule) {
  JitterBuffer jb;
  push(jb, 0, t0);
  Instant now = t0;
  for (int i = 0; i < 15; ++i) jb.pop(now += 20ms);  // played F0, then concealing up to ts 14
  for (std::uint16_t seq = 1; seq <= 4; ++seq) EXPECT_EQ(push(jb, seq, now), PushResult::late);
  EXPECT_EQ(push(jb, 5, now), PushResult::resync);
  EXPECT_EQ(jb.counters().resyncs, 1u);
  EXPECT_EQ(push(jb, 6, now), PushResult::buffered);
  std::string first;  // the next frame played is the one the schedule restarted from
  for (int i = 0; i < 15 && (first.empty() || first == "M" || first == "-"); ++i) first = show(jb.pop(now += 20ms));
  EXPECT_EQ(first, "F5");
}

TEST(JitterBuffer, DuplicatesAreDropped) {
  JitterBuffer jb;
  EXPECT_EQ(push(jb, 0, t0), PushResult::buffered);
  EXPECT_EQ(push(jb, 0, t0 + 1ms), PushResult::duplicate);
  EXPECT_EQ(show(jb.pop(t0 + 20ms)), "F0");
  EXPECT_EQ(push(jb, 0, t0 + 21ms), PushResult::duplicate);  // already played: not "late"
  EXPECT_EQ(jb.counters().duplicates, 2u);
  EXPECT_EQ(jb.counters().late, 0u);
}

TEST(JitterBuffer, ADtxGapComesOutAsMissingFramesThenSpeechResumes) {
  JitterBuffer jb;
  push(jb, 0, t0, 0);
  push(jb, 1, t0 + 20ms, 1);
  push(jb, 2, t0 + 200ms, 10);  // the next sequence number, 9 frames of timestamps later
  std::string out;
  for (int k = 1; k <= 11; ++k) out += show(jb.pop(t0 + 20ms * k));
  EXPECT_EQ(out, "F0F1MMMMMMMMF2");
  EXPECT_EQ(jb.counters().late, 0u);
}

TEST(JitterBuffer, TimestampsWrapAround) {
  JitterBuffer jb;
  const std::uint32_t start = 0xFFFFFFFFu - frame + 1;  // the next frame is at 0
  jb.push(7, start, t0, payload(7));
  jb.push(8, 0, t0 + 20ms, payload(8));
  EXPECT_EQ(show(jb.pop(t0 + 20ms)), "F7");
  EXPECT_EQ(show(jb.pop(t0 + 40ms)), "F8");
}

TEST(JitterBuffer, AFarAwayTimestampRestartsTheSchedule) {
  JitterBuffer jb;
  push(jb, 0, t0, 0);
  EXPECT_EQ(show(jb.pop(t0 + 20ms)), "F0");
  EXPECT_EQ(push(jb, 1, t0 + 30ms, 500), PushResult::resync);  // 10 s ahead
  EXPECT_EQ(jb.counters().resyncs, 1u);
  EXPECT_EQ(show(jb.pop(t0 + 40ms)), "-");
  EXPECT_EQ(show(jb.pop(t0 + 50ms)), "F1");
}

TEST(JitterBuffer, OverflowDropsTheOldestFrames) {
  JitterBufferConfig c;
  c.max_frames = 5;
  JitterBuffer jb(c);
  for (std::uint16_t i = 0; i < 8; ++i) push(jb, i, t0);
  EXPECT_EQ(jb.size(), 5u);
  EXPECT_EQ(jb.counters().overflow, 3u);
  std::string first;
  for (int k = 1; k < 40 && first.empty(); ++k) {
    auto o = jb.pop(t0 + 20ms * k);
    if (std::holds_alternative<AudioFrame>(o)) first = show(o);
  }
  EXPECT_EQ(first, "F3");
}

// Drives the buffer for `duration` with a pop every 20 ms; packet i (one
// every 20 ms) arrives `extra(i)` late.
template <class Extra>
void run(JitterBuffer& jb, std::uint16_t& next_seq, Instant& now, Duration duration, Extra extra) {
  struct Pending {
    Instant at;
    std::uint16_t seq;
  };
  std::vector<Pending> pending;
  const Instant end = now + duration;
  for (; now < end; now += 1ms) {
    if ((now - t0) % 20ms == 0ms) {
      pending.push_back({now + extra(next_seq), next_seq});
      ++next_seq;
    }
    for (auto it = pending.begin(); it != pending.end();) {
      if (it->at <= now) {
        push(jb, it->seq, now);
        it = pending.erase(it);
      } else {
        ++it;
      }
    }
    if ((now - t0) % 20ms == 5ms) {
      while (!std::holds_alternative<NoFrame>(jb.pop(now))) {
      }
    }
  }
}

TEST(JitterBuffer, GrowsQuicklyWithJitterAndShrinksSlowlyAfter) {
  JitterBuffer jb;
  std::uint16_t seq = 0;
  Instant now = t0;
  // Every other packet 60 ms late.
  auto bursty = [](std::uint16_t s) { return (s % 2 == 1) ? Duration(60ms) : Duration(0ms); };
  run(jb, seq, now, 2s, bursty);
  EXPECT_GT(jb.counters().late, 0u);
  EXPECT_GT(jb.counters().expanded, 0u);
  EXPECT_GE(jb.current_delay(), 80ms);
  EXPECT_GE(jb.target_delay(), 180ms);
  const auto late_after_adapting = jb.counters().late;
  run(jb, seq, now, 3s, bursty);
  EXPECT_EQ(jb.counters().late, late_after_adapting);  // adapted: nothing late any more
  EXPECT_LE(jb.current_delay(), 200ms);

  // The network calms down: the delay comes back down, a frame at a time.
  const Duration high = jb.current_delay();
  run(jb, seq, now, 1s, [](std::uint16_t) { return Duration(0ms); });
  EXPECT_LT(jb.current_delay(), high);
  EXPECT_GT(jb.current_delay(), 40ms);  // slowly: at most 2 frames a second
  run(jb, seq, now, 10s, [](std::uint16_t) { return Duration(0ms); });
  EXPECT_LE(jb.current_delay(), 40ms);
  EXPECT_GT(jb.counters().shrunk, 0u);
  EXPECT_EQ(jb.counters().late, late_after_adapting);
  EXPECT_LT(jb.jitter(), 1ms);
}

}  // namespace
}  // namespace confab::rtp
