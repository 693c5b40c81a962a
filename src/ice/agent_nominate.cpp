// Regular nomination (RFC 8445 §8.1.1) by the controlling agent, the
// nominated pairs' effect on the check list (§8.1.2), and selection.
#include <algorithm>

#include "ice/agent.hpp"

namespace confab::ice {

bool IceAgent::all_nominated() const {
  for (std::uint16_t c = 1; c <= config_.components; ++c) {
    if (std::ranges::none_of(list_.valid(), [&](const ValidPair& v) { return v.component == c && v.nominated; }))
      return false;
  }
  return true;
}

std::optional<Instant> IceAgent::nomination_deadline() const {
  if (closed_ || role_ != Role::controlling || !all_valid_since_) return std::nullopt;
  for (std::uint16_t c = 1; c <= config_.components; ++c) {
    const bool nominated =
        std::ranges::any_of(list_.valid(), [&](const ValidPair& v) { return v.component == c && v.nominated; });
    if (!nominated && !nominating_[c - 1]) return *all_valid_since_ + config_.nomination_delay;
  }
  return std::nullopt;
}

void IceAgent::evaluate_nomination(Instant now) {
  if (closed_ || role_ != Role::controlling || !remote_creds_) return;
  // A valid pair is nominated by repeating its check: one whose pair left
  // the list (the pair limit) cannot be, and is forgotten.
  std::erase_if(list_.valid(), [&](const ValidPair& v) { return !v.nominated && !list_.find(v.generated_by); });
  for (std::uint16_t c = 1; c <= config_.components; ++c) {
    if (std::ranges::none_of(list_.valid(), [&](const ValidPair& v) { return v.component == c; })) {
      all_valid_since_.reset();
      return;
    }
  }
  if (!all_valid_since_) all_valid_since_ = now;
  const bool waited = now >= *all_valid_since_ + config_.nomination_delay;
  for (std::uint16_t c = 1; c <= config_.components; ++c) {
    if (nominating_[c - 1]) continue;
    const ValidPair* best = nullptr;
    bool nominated = false;
    for (const auto& v : list_.valid()) {
      if (v.component != c) continue;
      nominated |= v.nominated;
      if (best == nullptr || v.priority > best->priority) best = &v;
    }
    if (nominated || best == nullptr) continue;
    // A better pair may still succeed: give it the stabilization delay.
    const bool better_pending = std::ranges::any_of(list_.pairs(), [&](const CandidatePair& p) {
      return p.component == c && p.priority > best->priority &&
             (p.state == PairState::frozen || p.state == PairState::waiting || p.state == PairState::in_progress);
    });
    if (better_pending && !waited) continue;
    CandidatePair* g = list_.find(best->generated_by);
    // Repeat the check that produced the valid pair, with USE-CANDIDATE.
    g->use_candidate_next = true;
    list_.trigger(g->id);
    nominating_[c - 1] = g->id;
  }
}

void IceAgent::nominate(Instant now, ValidPair& v) {
  v.nominated = true;
  const ValidPair chosen = v;
  // §8.1.2: frozen and waiting pairs of the component are dropped, and
  // lower-priority checks in progress stop retransmitting.
  list_.remove_if([&](const CandidatePair& p) {
    return p.component == chosen.component && !p.use_candidate_next &&
           (p.state == PairState::frozen || p.state == PairState::waiting);
  });
  for (auto& p : list_.pairs())
    if (p.component == chosen.component && p.state == PairState::in_progress && p.priority < chosen.priority)
      cancel_check(p);
  select(now, chosen);
}

void IceAgent::select(Instant now, const ValidPair& v) {
  auto& slot = selected_[v.component - 1];
  // A new generation replaces the old pair; within one, the controlled agent
  // follows the highest-priority nomination (§8.1.1).
  const bool replace =
      !slot || slot->generation != generation_ || slot->consent_lost || v.priority > slot->pair.priority;
  if (!replace) return;
  Selected s;
  s.pair = SelectedPair{v.component, local_[v.local].c, remote_[v.remote], v.priority};
  s.generation = generation_;
  s.username = remote_creds_->ufrag + ":" + local_creds_.ufrag;
  s.remote_key = remote_key_;
  s.check_priority =
      candidate_priority(config_.type_preferences.peer_reflexive, local_[v.local].c.local_preference, v.component);
  s.last_response = now;
  s.last_sent = now;
  s.next_consent = now + jittered(config_.consent_interval);
  const bool changed = !slot || slot->pair.local != s.pair.local || slot->pair.remote != s.pair.remote;
  slot = std::move(s);
  if (changed) emit(event::SelectedPairChanged{slot->pair});
  // The new generation carries every component: the old credentials retire.
  if (previous_local_ && std::ranges::all_of(selected_, [&](const auto& x) { return x && x->generation == generation_; })) {
    previous_local_.reset();
    previous_key_.clear();
  }
}

}  // namespace confab::ice
