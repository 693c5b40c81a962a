#pragma once
// Two CallMedia back to back on a fake network without NATs: every transmit
// reaches the party owning the destination socket after `delay` (unless
// `drop` says no), time jumps to the next deadline or delivery.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <map>
#include <memory>

#include "call/call_media.hpp"
#include "call/sources.hpp"
#include "core/rng.hpp"

namespace confab::call::test {

using namespace std::chrono_literals;

inline SocketAddress sa(std::string_view s) { return *SocketAddress::parse(s); }
inline const Instant t0 = Instant{} + std::chrono::hours(1);

// Keeps everything written, for the test to inspect.
class MemoryAudioSink final : public AudioSink {
 public:
  void write(std::span<const std::int16_t> s) override { samples.insert(samples.end(), s.begin(), s.end()); }
  std::optional<std::string> close() override { return std::nullopt; }
  std::vector<std::int16_t> samples;
};

class MemoryVideoSink final : public VideoSink {
 public:
  void write(const media::I420Frame& f) override { frames.push_back(f); }
  std::optional<std::string> close() override { return std::nullopt; }
  std::vector<media::I420Frame> frames;
};

inline CallMediaConfig party(bool offerer, std::string_view ip, bool video, bool rtcp_sockets = true) {
  CallMediaConfig c;
  c.offerer = offerer;
  const std::string base(ip);
  c.audio.rtp = {sa(base + ":16384")};
  if (rtcp_sockets) c.audio.rtcp = {sa(base + ":16385")};
  if (video) {
    c.video = StreamSockets{{sa(base + ":16386")}, {}};
    if (rtcp_sockets) c.video->rtcp = {sa(base + ":16387")};
  }
  return c;
}

class CallPair {
 public:
  CallPair(CallMediaConfig a, CallMediaConfig b, Duration delay = 10ms)
      : rng_a_(1), rng_b_(2), a_cfg_(std::move(a)), b_cfg_(std::move(b)), delay_(delay) {
    a_ = std::make_unique<CallMedia>(a_cfg_, rng_a_, now_);
  }

  CallMedia& a() { return *a_; }
  CallMedia& b() { return *b_; }
  Instant now() const { return now_; }

  // Offer from A once it gathered, answer from B, answer back to A.
  bool negotiate() {
    run_until([&] { return a_->ready(); }, 10s);
    auto offer = a_->create_offer(now_);
    if (!offer) return ADD_FAILURE() << offer.error().message, false;
    offer_ = *offer;
    b_ = std::make_unique<CallMedia>(b_cfg_, rng_b_, now_);
    if (auto e = b_->receive_offer(now_, *offer)) return ADD_FAILURE() << e->message, false;
    run_until([&] { return b_->ready(); }, 10s);
    auto answer = b_->create_answer(now_);
    if (!answer) return ADD_FAILURE() << answer.error().message, false;
    answer_ = *answer;
    if (answer_delay > Duration{}) run_for(answer_delay);  // the 200 OK's trip through the proxy
    if (auto e = a_->accept_answer(now_, *answer)) return ADD_FAILURE() << e->message, false;
    return true;
  }

  bool run_until(const std::function<bool()>& done, Duration limit) {
    const Instant end = now_ + limit;
    for (;;) {
      pump();
      if (done()) return true;
      std::optional<Instant> next;
      auto consider = [&](std::optional<Instant> t) {
        if (t && (!next || *t < *next)) next = t;
      };
      consider(a_->poll_timeout());
      if (b_) consider(b_->poll_timeout());
      if (!in_flight_.empty()) consider(in_flight_.begin()->first);
      if (!next || *next > end) {
        now_ = end;
        return done();
      }
      now_ = std::max(now_, *next);
      deliver_due();
      if (auto t = a_->poll_timeout(); t && *t <= now_) a_->handle_timeout(now_);
      if (b_)
        if (auto t = b_->poll_timeout(); t && *t <= now_) b_->handle_timeout(now_);
    }
  }
  void run_for(Duration d) {
    run_until([] { return false; }, d);
  }

  Duration answer_delay{};
  void set_delay(Duration d) { delay_ = d; }
  // Time passes for both parties without their timers running (a starved process).
  void stall(Duration d) { now_ += d; }  // from now on (a queue building up on the path)
  std::function<bool(const Transmit&)> drop = [](const Transmit&) { return false; };
  std::vector<MediaEvent> events_a, events_b;
  std::string offer_, answer_;
  std::uint64_t delivered = 0;

 private:
  CallMedia* owner(const SocketAddress& to) {
    auto owns = [&](const CallMediaConfig& c) {
      auto in = [&](const std::vector<SocketAddress>& v) { return std::ranges::find(v, to) != v.end(); };
      return in(c.audio.rtp) || in(c.audio.rtcp) || (c.video && (in(c.video->rtp) || in(c.video->rtcp)));
    };
    if (owns(a_cfg_)) return a_.get();
    if (owns(b_cfg_)) return b_.get();
    return nullptr;
  }
  void pump() {
    for (CallMedia* m : {a_.get(), b_.get()}) {
      if (!m) continue;
      while (auto t = m->poll_transmit())
        if (!drop(*t)) in_flight_.emplace(now_ + delay_, std::move(*t));
      while (auto e = m->poll_event()) (m == a_.get() ? events_a : events_b).push_back(std::move(*e));
    }
  }
  void deliver_due() {
    while (!in_flight_.empty() && in_flight_.begin()->first <= now_) {
      auto node = in_flight_.extract(in_flight_.begin());
      Transmit& t = node.mapped();
      if (CallMedia* m = owner(t.remote)) {
        ++delivered;
        m->handle_datagram(now_, Datagram{Transport::udp, t.remote, t.local, t.bytes});
      }
    }
  }

  SeededRng rng_a_, rng_b_;
  CallMediaConfig a_cfg_, b_cfg_;
  Duration delay_;
  Instant now_ = t0;
  std::unique_ptr<CallMedia> a_, b_;
  std::multimap<Instant, Transmit> in_flight_;
};

inline bool has(const std::vector<MediaEvent>& events, MediaEvent::Kind k) {
  return std::ranges::any_of(events, [&](const MediaEvent& e) { return e.kind == k; });
}

}  // namespace confab::call::test
