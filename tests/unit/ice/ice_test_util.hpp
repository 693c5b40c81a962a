#pragma once
// Harnesses for the ICE unit tests: one agent driven by hand with a fake
// clock (Solo), and two agents back to back on a network without NATs
// (Duo) that always jumps to the next deadline or delivery.
#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <string_view>
#include <variant>
#include <vector>

#include "core/rng.hpp"
#include "ice/agent.hpp"
#include "ice/messages.hpp"
#include "stun/message.hpp"

namespace confab::ice::test {

using namespace std::chrono_literals;

inline SocketAddress sa(std::string_view s) { return *SocketAddress::parse(s); }
inline IpAddress ip(std::string_view s) { return *IpAddress::parse(s); }

inline const Instant t0 = Instant{} + std::chrono::hours(1);
inline const IceCredentials creds_a{"AAAAaaaa", "passwordAAAAAAAAAAAAAAAA"};
inline const IceCredentials creds_b{"BBBBbbbb", "passwordBBBBBBBBBBBBBBBB"};
inline const SocketAddress host_a = sa("10.0.0.1:5000");
inline const SocketAddress host_b = sa("10.0.0.2:6000");
inline const SocketAddress stun_server = sa("203.0.113.10:5678");

inline Candidate remote_host(SocketAddress a, std::string foundation = "1", std::uint16_t component = 1,
                             std::uint16_t local_pref = 65535) {
  Candidate c;
  c.foundation = std::move(foundation);
  c.component = component;
  c.priority = candidate_priority(126, local_pref, component);
  c.address = a;
  c.base = a;
  c.type = CandidateType::host;
  return c;
}

inline IceConfig config_for(Role role, SocketAddress host, IceCredentials creds) {
  IceConfig c;
  c.role = role;
  c.local_addresses = {{1, host, std::nullopt}};
  c.credentials = std::move(creds);
  return c;
}

template <class E>
std::vector<E> events_of(const std::vector<Event>& events) {
  std::vector<E> out;
  for (const auto& e : events)
    if (auto* x = std::get_if<E>(&e)) out.push_back(*x);
  return out;
}

// A request to `to` as a peer with `sender` credentials would send it.
inline Bytes check_from_peer(const IceCredentials& recipient, const IceCredentials& sender, Role role,
                             std::uint64_t tie_breaker, bool use_candidate = false, std::uint32_t priority = 1862270975,
                             std::uint8_t id_seed = 1) {
  stun::TransactionId id;
  id.bytes.fill(id_seed);
  const std::string username = recipient.ufrag + ":" + sender.ufrag;
  return build_check_request(id, {username, priority, role, tie_breaker, use_candidate},
                             password_key(recipient.pwd));
}

struct Sent {
  Instant at;
  Transmit t;
};

// One agent, a fake clock, everything it sends recorded.
struct Solo {
  explicit Solo(IceConfig config, std::uint64_t seed = 7) : rng(seed), agent(std::move(config), rng, t0) { drain(); }

  void drain() {
    while (auto t = agent.poll_transmit()) sent.push_back({now, std::move(*t)});
    while (auto e = agent.poll_event()) events.push_back(std::move(*e));
  }
  // Runs the agent's timers up to `until` (inclusive), in order.
  void advance_to(Instant until) {
    while (true) {
      auto next = agent.poll_timeout();
      if (!next || *next > until) break;
      now = std::max(now, *next);
      agent.handle_timeout(now);
      drain();
    }
    now = until;
  }
  void advance(Duration d) { advance_to(now + d); }
  Received receive(SocketAddress local, SocketAddress from, const Bytes& bytes) {
    auto r = agent.handle_datagram(now, Datagram{Transport::udp, local, from, bytes});
    drain();
    return r;
  }
  // Parses the n-th recorded transmit.
  stun::Message message(std::size_t n) const {
    auto m = stun::parse(sent.at(n).t.bytes);
    EXPECT_TRUE(m.has_value());
    return m ? *m : stun::Message{};
  }
  std::vector<Sent> take() {
    auto out = std::move(sent);
    sent.clear();
    return out;
  }
  std::optional<IceState> last_state() const {
    auto s = events_of<event::StateChanged>(events);
    if (s.empty()) return std::nullopt;
    return s.back().state;
  }

  SeededRng rng;
  IceAgent agent;
  Instant now = t0;
  std::vector<Sent> sent;
  std::vector<Event> events;
};

// Answers a request transmit as the peer would: success with XOR-MAPPED-ADDRESS
// = `mapped`, integrity with `pwd` (the peer's own password).
inline Bytes success_for(const Transmit& request, SocketAddress mapped, std::string_view pwd) {
  auto m = stun::parse(request.bytes);
  EXPECT_TRUE(m.has_value());
  return build_check_success(m->transaction_id, mapped, password_key(pwd));
}

// Two agents with public addresses, back to back: every transmit reaches the
// agent owning the destination address after `delay`, unless `drop` says no.
class Duo {
 public:
  Duo(IceConfig a, IceConfig b, Duration delay = 10ms, std::uint64_t seed = 1)
      : rng_a_(seed), rng_b_(seed + 100), a_(std::move(a), rng_a_, t0), b_(std::move(b), rng_b_, t0), delay_(delay) {
    pump();
  }

  IceAgent& a() { return a_; }
  IceAgent& b() { return b_; }
  Instant now() const { return now_; }

  // Offer/answer: credentials, every candidate gathered so far, end-of-candidates.
  void signal() {
    b_.set_remote_credentials(now_, a_.local_credentials());
    a_.set_remote_credentials(now_, b_.local_credentials());
    for (const auto& c : a_.local_candidates()) b_.add_remote_candidate(now_, c);
    for (const auto& c : b_.local_candidates()) a_.add_remote_candidate(now_, c);
    a_.end_of_remote_candidates(now_);
    b_.end_of_remote_candidates(now_);
    pump();
  }

  // Runs until `done` or `limit` of fake time has passed.
  bool run_until(const std::function<bool()>& done, Duration limit) {
    const Instant end = now_ + limit;
    for (int step = 0; step < 1'000'000; ++step) {
      pump();
      if (done()) return true;
      std::optional<Instant> next;
      auto consider = [&](std::optional<Instant> t) {
        if (t && (!next || *t < *next)) next = t;
      };
      consider(a_.poll_timeout());
      consider(b_.poll_timeout());
      if (!in_flight_.empty()) consider(in_flight_.begin()->first);
      if (!next || *next > end) {
        now_ = end;
        return done();
      }
      now_ = std::max(now_, *next);
      while (!in_flight_.empty() && in_flight_.begin()->first <= now_) {
        auto [at, t] = *in_flight_.begin();
        in_flight_.erase(in_flight_.begin());
        deliver(t);
      }
      if (auto t = a_.poll_timeout(); t && *t <= now_) a_.handle_timeout(now_);
      if (auto t = b_.poll_timeout(); t && *t <= now_) b_.handle_timeout(now_);
    }
    return false;
  }
  void run_for(Duration d) {
    run_until([] { return false; }, d);
  }
  bool connect(Duration limit = 10s) {
    return run_until([&] { return a_.state() == IceState::connected && b_.state() == IceState::connected; }, limit);
  }

  std::function<bool(const Transmit&)> drop = [](const Transmit&) { return false; };
  std::vector<Event> events_a, events_b;
  std::vector<Transmit> wire;  // everything sent, in order
  std::vector<Bytes> not_stun_a, not_stun_b;

 private:
  IceAgent* owner(const SocketAddress& to) {
    for (auto* x : {&a_, &b_})
      for (const auto& c : x->local_candidates())
        if ((c.type == CandidateType::host || c.type == CandidateType::relayed) && c.address == to) return x;
    return nullptr;
  }
  void pump() {
    for (auto* x : {&a_, &b_}) {
      while (auto t = x->poll_transmit()) {
        wire.push_back(*t);
        if (!drop(*t)) in_flight_.emplace(now_ + delay_, std::move(*t));
      }
    }
    while (auto e = a_.poll_event()) events_a.push_back(std::move(*e));
    while (auto e = b_.poll_event()) events_b.push_back(std::move(*e));
  }
  void deliver(const Transmit& t) {
    IceAgent* x = owner(t.remote);
    if (x == nullptr) return;
    if (x->handle_datagram(now_, Datagram{Transport::udp, t.remote, t.local, t.bytes}) == Received::not_stun)
      (x == &a_ ? not_stun_a : not_stun_b).push_back(t.bytes);
    pump();
  }

  SeededRng rng_a_, rng_b_;
  IceAgent a_, b_;
  Duration delay_;
  Instant now_ = t0;
  std::multimap<Instant, Transmit> in_flight_;
};

}  // namespace confab::ice::test
