#pragma once
// An adaptive jitter buffer for fixed-duration audio frames (Opus, 20 ms).
//
// Packets go in as they arrive, in any order; pop(now) hands out one frame
// per frame duration, on a playout schedule that runs `current_delay()`
// behind the first packet's arrival. Slots are keyed by RTP timestamp, not
// sequence number, so DTX silences (timestamps jump, sequence numbers don't)
// come out as missing frames for the decoder to fill with comfort noise.
//
// The delay adapts to the measured interarrival jitter J (RFC 3550 A.8, in
// time): target = clamp(k·J + frame, min, max). When the target rises the
// buffer grows at once by inserting a concealed frame (the decoder stretches
// the audio); when it falls the buffer shrinks slowly, dropping one buffered
// frame at most every shrink_interval. Sender clock drift is not measured:
// the jitter estimate absorbs it only as far as it shows up as jitter.
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <variant>

#include "core/bytes.hpp"
#include "core/time.hpp"
#include "rtp/sequence.hpp"

namespace confab::rtp {

struct JitterBufferConfig {
  std::uint32_t clock_rate = 48'000;
  std::uint32_t frame_samples = 960;  // 20 ms at 48 kHz
  Duration min_delay = std::chrono::milliseconds(20);
  Duration max_delay = std::chrono::milliseconds(200);
  double jitter_factor = 3.0;  // k: covers a spread about 3× the mean deviation A.8 measures
  std::size_t max_frames = 50;  // 1 s of 20 ms frames; beyond it the oldest frame goes
  Duration shrink_interval = std::chrono::milliseconds(500);
  // A packet this far from the playout point (a sender restart, a long
  // outage) restarts the schedule instead of being late or buffered.
  Duration resync_threshold = std::chrono::seconds(2);
  // This many packets late in a row (100 ms of 20 ms frames) also restarts
  // the schedule: a sender whose timestamps fall behind real time would
  // otherwise be concealed for good.
  int late_run_resync = 5;
};

struct AudioFrame {
  std::uint16_t sequence_number = 0;
  std::uint32_t timestamp = 0;
  Bytes payload;
};
// No packet for this slot: ask the decoder for concealment (PLC, or FEC
// from the next packet, or comfort noise during DTX).
struct MissingFrame {
  std::uint32_t timestamp = 0;
};
// Nothing due yet: call again at poll_timeout().
struct NoFrame {};
using JitterOutput = std::variant<AudioFrame, MissingFrame, NoFrame>;

enum class PushResult : std::uint8_t { buffered, late, duplicate, resync };

struct JitterBufferCounters {
  std::uint64_t received = 0;    // packets pushed
  std::uint64_t late = 0;        // arrived after their slot was played or concealed; dropped
  std::uint64_t duplicates = 0;  // already buffered or played; dropped
  std::uint64_t concealed = 0;   // slots with no packet (loss, late, DTX)
  std::uint64_t expanded = 0;    // concealed frames inserted to grow the delay
  std::uint64_t shrunk = 0;      // frames dropped to reduce the delay
  std::uint64_t overflow = 0;    // frames dropped because the buffer was full
  std::uint64_t resyncs = 0;
};

class JitterBuffer {
 public:
  explicit JitterBuffer(JitterBufferConfig config = {});

  PushResult push(std::uint16_t seq, std::uint32_t timestamp, Instant arrival, ByteView payload);
  JitterOutput pop(Instant now);
  // When the next pop() has a frame (or a concealment) due; nothing before the first packet.
  std::optional<Instant> poll_timeout() const;

  Duration jitter() const;
  Duration target_delay() const { return target_; }
  Duration current_delay() const { return delay_; }
  std::size_t size() const { return frames_.size(); }
  const JitterBufferCounters& counters() const { return counters_; }

 private:
  struct Entry {
    std::uint16_t seq;
    std::uint32_t timestamp;
    Bytes payload;
  };
  void update_jitter(Instant arrival, std::int64_t ts);
  void restart(Instant arrival, std::int64_t ts);
  bool was_played(std::int64_t ts) const;
  std::int64_t ticks(Duration d) const;

  JitterBufferConfig config_;
  Duration frame_;
  TimestampUnwrapper unwrap_;
  std::map<std::int64_t, Entry> frames_;  // by unwrapped timestamp
  std::deque<std::int64_t> played_;       // recent played timestamps, for duplicate detection
  bool started_ = false;
  bool playing_ = false;  // a slot has been handed out since the (re)start
  std::int64_t next_ts_ = 0;
  Instant next_play_{};
  Duration delay_;
  Duration target_;
  std::optional<Instant> last_shrink_;
  std::optional<double> last_transit_;  // seconds
  double jitter_s_ = 0;
  JitterBufferCounters counters_;
  int late_run_ = 0;  // consecutive late packets
};

}  // namespace confab::rtp
