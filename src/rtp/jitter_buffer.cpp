// Adaptive audio jitter buffer: see jitter_buffer.hpp for the model.
#include "rtp/jitter_buffer.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>

namespace confab::rtp {
namespace {
constexpr std::size_t played_memory = 64;

Duration seconds(double s) { return std::chrono::duration_cast<Duration>(std::chrono::duration<double>(s)); }
}  // namespace

JitterBuffer::JitterBuffer(JitterBufferConfig config) : config_(config) {
  if (config_.clock_rate == 0) config_.clock_rate = 48'000;
  if (config_.frame_samples == 0) config_.frame_samples = config_.clock_rate / 50;
  if (config_.max_frames == 0) config_.max_frames = 1;
  frame_ = seconds(static_cast<double>(config_.frame_samples) / config_.clock_rate);
  target_ = std::clamp(frame_, config_.min_delay, std::max(config_.min_delay, config_.max_delay));
  delay_ = target_;
}

std::int64_t JitterBuffer::ticks(Duration d) const {
  return static_cast<std::int64_t>(std::chrono::duration<double>(d).count() * config_.clock_rate);
}

Duration JitterBuffer::jitter() const { return seconds(jitter_s_); }

std::optional<Instant> JitterBuffer::poll_timeout() const {
  if (!started_) return std::nullopt;
  return next_play_;
}

void JitterBuffer::update_jitter(Instant arrival, std::int64_t ts) {
  // A.8 in seconds: D = (arrival − ts) differences; J += (|D| − J)/16.
  const double arrival_s = std::chrono::duration<double>(arrival.time_since_epoch()).count();
  const double transit = arrival_s - static_cast<double>(ts) / config_.clock_rate;
  if (last_transit_) jitter_s_ += (std::abs(transit - *last_transit_) - jitter_s_) / 16.0;
  last_transit_ = transit;
  const Duration wanted = seconds(config_.jitter_factor * jitter_s_) + frame_;
  target_ = std::clamp(wanted, config_.min_delay, std::max(config_.min_delay, config_.max_delay));
}

void JitterBuffer::restart(Instant arrival, std::int64_t ts) {
  frames_.clear();
  played_.clear();
  started_ = true;
  playing_ = false;
  next_ts_ = ts;
  next_play_ = arrival + delay_;
}

bool JitterBuffer::was_played(std::int64_t ts) const {
  return std::find(played_.begin(), played_.end(), ts) != played_.end();
}

PushResult JitterBuffer::push(std::uint16_t seq, std::uint32_t timestamp, Instant arrival, ByteView payload) {
  counters_.received++;
  const std::int64_t ts = unwrap_.unwrap(timestamp);
  PushResult result = PushResult::buffered;
  if (!started_) {
    restart(arrival, ts);
  } else if (std::abs(ts - next_ts_) > ticks(config_.resync_threshold)) {
    counters_.resyncs++;
    last_transit_.reset();  // a new timeline: don't count the jump as jitter
    restart(arrival, ts);
    result = PushResult::resync;
  }
  if (frames_.count(ts) != 0 || was_played(ts)) {
    counters_.duplicates++;
    return PushResult::duplicate;
  }
  update_jitter(arrival, ts);
  if (ts < next_ts_ && playing_ && ++late_run_ >= config_.late_run_resync) {
    // Every packet late for a while: the sender's clock runs slower than
    // ours (or it skipped ahead less than real time). Waiting would
    // conceal forever; start the schedule again from this packet.
    counters_.resyncs++;
    last_transit_.reset();
    restart(arrival, ts);
    result = PushResult::resync;
  }
  if (ts < next_ts_) {
    if (playing_) {
      counters_.late++;
      return PushResult::late;
    }
    next_ts_ = ts;  // reordered before playout began: start from the earlier packet
  }
  if (frames_.size() >= config_.max_frames) {
    // Full: we are far behind the sender. Drop the oldest frame (the one
    // due next), which also brings the delay down.
    counters_.overflow++;
    next_ts_ = std::max(next_ts_, frames_.begin()->first + config_.frame_samples);
    frames_.erase(frames_.begin());
  }
  late_run_ = 0;
  frames_.emplace(ts, Entry{seq, timestamp, Bytes(payload.begin(), payload.end())});
  return result;
}

JitterOutput JitterBuffer::pop(Instant now) {
  if (!started_ || now < next_play_) return NoFrame{};
  playing_ = true;
  const auto frame_ts = static_cast<std::int64_t>(config_.frame_samples);

  // Grow at once: one concealed frame pushes everything after it a frame later.
  if (delay_ + frame_ / 2 < target_) {
    delay_ += frame_;
    next_play_ += frame_;
    counters_.expanded++;
    return MissingFrame{static_cast<std::uint32_t>(next_ts_)};
  }
  // Shrink slowly, and only when the next two frames are here, so the drop
  // does not itself cause a concealment.
  if (delay_ >= target_ + frame_ && (!last_shrink_ || now - *last_shrink_ >= config_.shrink_interval) &&
      frames_.size() >= 2 && frames_.begin()->first < next_ts_ + frame_ts &&
      std::next(frames_.begin())->first < next_ts_ + 2 * frame_ts) {
    next_ts_ = frames_.begin()->first + frame_ts;
    frames_.erase(frames_.begin());
    delay_ -= frame_;
    last_shrink_ = now;
    counters_.shrunk++;
  }

  next_play_ += frame_;
  while (!frames_.empty() && frames_.begin()->first < next_ts_) frames_.erase(frames_.begin());  // superseded
  if (!frames_.empty() && frames_.begin()->first < next_ts_ + frame_ts) {
    auto node = frames_.extract(frames_.begin());
    next_ts_ = node.key() + frame_ts;
    played_.push_back(node.key());
    if (played_.size() > played_memory) played_.pop_front();
    return AudioFrame{node.mapped().seq, node.mapped().timestamp, std::move(node.mapped().payload)};
  }
  counters_.concealed++;
  const auto missing_ts = static_cast<std::uint32_t>(next_ts_);
  next_ts_ += frame_ts;
  return MissingFrame{missing_ts};
}

}  // namespace confab::rtp
