#pragma once
// An ICE agent as a host of the simulated World, with the signalling
// channel (SDP offer/answer and trickled candidates through the call
// servers) modelled as a side channel of fixed delay between two nodes.
#include <deque>
#include <optional>
#include <variant>

#include "core/rng.hpp"
#include "ice/agent.hpp"
#include "sim/node.hpp"

namespace confab::sim {

class IceNode final : public Node {
 public:
  IceNode(ice::IceConfig config, std::uint64_t seed, Instant now)
      : rng_(seed), agent_(std::move(config), rng_, now), started_(now) {}

  // Wires the signalling channel and sends our credentials (the offer or
  // answer). With `trickle`, candidates follow one by one as gathered;
  // without, all of them once gathering is complete.
  void connect_signalling(IceNode& peer, Duration delay, bool trickle, Instant now) {
    peer_ = &peer;
    delay_ = delay;
    trickle_ = trickle;
    send_signal(now, agent_.local_credentials());
    collect(now);
  }

  void handle_datagram(Instant now, const Datagram& d) override {
    if (agent_.handle_datagram(now, d) == ice::Received::not_stun) ++not_stun_;
    collect(now);
  }
  void handle_timeout(Instant now) override {
    while (!inbox_.empty() && inbox_.front().at <= now) {
      Signal s = std::move(inbox_.front());
      inbox_.pop_front();
      if (auto* c = std::get_if<ice::IceCredentials>(&s.what)) agent_.set_remote_credentials(now, *c);
      if (auto* c = std::get_if<ice::Candidate>(&s.what)) agent_.add_remote_candidate(now, *c);
      if (std::holds_alternative<EndOfCandidates>(s.what)) agent_.end_of_remote_candidates(now);
    }
    agent_.handle_timeout(now);
    collect(now);
  }
  std::optional<Transmit> poll_transmit() override { return agent_.poll_transmit(); }
  std::optional<Instant> poll_timeout() const override {
    auto t = agent_.poll_timeout();
    if (!inbox_.empty() && (!t || inbox_.front().at < *t)) t = inbox_.front().at;
    return t;
  }

  ice::IceAgent& agent() { return agent_; }
  const ice::IceAgent& agent() const { return agent_; }
  // When the agent first reported connected / failed, since it was made.
  std::optional<Duration> connected_after() const { return connected_; }
  std::optional<Duration> failed_after() const { return failed_; }
  std::size_t selected_changes() const { return selected_changes_; }
  std::size_t role_changes() const { return role_changes_; }

 private:
  struct EndOfCandidates {};
  struct Signal {
    Instant at;
    std::variant<ice::IceCredentials, ice::Candidate, EndOfCandidates> what;
  };

  void send_signal(Instant now, std::variant<ice::IceCredentials, ice::Candidate, EndOfCandidates> what) {
    peer_->inbox_.push_back(Signal{now + delay_, std::move(what)});
  }
  void collect(Instant now) {
    while (auto e = agent_.poll_event()) {
      if (auto* g = std::get_if<ice::event::CandidateGathered>(&*e)) {
        if (trickle_) {
          send_signal(now, g->candidate);
        } else {
          held_.push_back(g->candidate);
        }
      } else if (std::holds_alternative<ice::event::GatheringComplete>(*e)) {
        for (auto& c : held_) send_signal(now, std::move(c));
        held_.clear();
        send_signal(now, EndOfCandidates{});
      } else if (auto* s = std::get_if<ice::event::StateChanged>(&*e)) {
        if (s->state == ice::IceState::connected && !connected_) connected_ = now - started_;
        if (s->state == ice::IceState::failed && !failed_) failed_ = now - started_;
      } else if (std::holds_alternative<ice::event::SelectedPairChanged>(*e)) {
        ++selected_changes_;
      } else if (std::holds_alternative<ice::event::RoleChanged>(*e)) {
        ++role_changes_;
      }
    }
  }

  SeededRng rng_;  // declared first: agent_ keeps a reference to it
  ice::IceAgent agent_;
  Instant started_;
  IceNode* peer_ = nullptr;
  Duration delay_{};
  bool trickle_ = true;
  std::deque<Signal> inbox_;  // constant delay: already in time order
  std::vector<ice::Candidate> held_;
  std::optional<Duration> connected_, failed_;
  std::size_t selected_changes_ = 0, role_changes_ = 0, not_stun_ = 0;
};

}  // namespace confab::sim
