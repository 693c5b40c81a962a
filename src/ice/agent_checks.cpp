// Connectivity checks we send (RFC 8445 §6.1.4, §7.2): Ta pacing of the
// triggered-check queue and the ordinary checks, the check RTO (§14.3), and
// what the responses mean (§7.2.5): role conflicts, symmetric addresses,
// peer-reflexive local candidates, the valid list and nomination.
#include <algorithm>

#include "ice/agent.hpp"
#include "ice/messages.hpp"

namespace confab::ice {

bool IceAgent::has_paced_work() const {
  if (closed_) return false;
  if (!gather_queue_.empty()) return true;
  return remote_creds_ && (list_.has_triggered() || list_.has_ordinary_work());
}

void IceAgent::pace(Instant now) {
  last_paced_ = now;
  if (!gather_queue_.empty()) {
    send_gather(now);
    return;
  }
  if (!remote_creds_) return;
  if (auto id = list_.pop_triggered()) {
    if (CandidatePair* p = list_.find(*id)) send_check(now, *p);
    return;
  }
  if (auto id = list_.next_ordinary()) send_check(now, *list_.find(*id));
}

Duration IceAgent::check_rto() const {
  // §14.3: RTO = MAX(500 ms, Ta · N · (Num-Waiting + Num-In-Progress)).
  const auto n = static_cast<Duration::rep>(list_.size());
  const auto w = static_cast<Duration::rep>(list_.count(PairState::waiting) + list_.count(PairState::in_progress));
  const Duration cap = std::max(config_.min_rto, config_.max_check_rto);
  // Ta · N · W overflows nothing below 10^6 pairs; the limits keep N at 100.
  return std::clamp(config_.ta * n * w, config_.min_rto, cap);
}

void IceAgent::cancel_check(CandidatePair& p) {
  if (!p.transaction) return;
  auto it = transactions_.find(*p.transaction);
  if (it != transactions_.end()) {
    it->second.timer.cancel();
    // A nomination being cancelled is carried by the next check instead.
    if (it->second.use_candidate && role_ == Role::controlling) p.use_candidate_next = true;
  }
  p.transaction.reset();
}

void IceAgent::send_check(Instant now, CandidatePair& p) {
  cancel_check(p);
  const Candidate& local = local_[p.local].c;
  const Candidate& remote = remote_[p.remote];
  const bool use_candidate = role_ == Role::controlling && p.use_candidate_next;
  p.use_candidate_next = false;
  p.state = PairState::in_progress;
  // §7.1.1: PRIORITY is what a peer-reflexive candidate learned from this check would get.
  const std::uint32_t priority =
      candidate_priority(config_.type_preferences.peer_reflexive, local.local_preference, p.component);
  const std::string username = remote_creds_->ufrag + ":" + local_creds_.ufrag;
  const auto id = stun::TransactionId::random(rng_);
  Bytes bytes = build_check_request(id, {username, priority, role_, tie_breaker_, use_candidate}, remote_key_);
  Transaction t{id, Kind::check, local.base, remote.address, bytes,
                Retransmitter({check_rto(), config_.check_transmissions, config_.check_rm}, now), remote_key_};
  t.pair_id = p.id;
  t.use_candidate = use_candidate;
  t.role = role_;
  t.priority = priority;
  p.transaction = id;
  transactions_.emplace(id, std::move(t));
  ++counters_.checks_sent;
  queue(local.base, remote.address, std::move(bytes));
}

void IceAgent::handle_response(Instant now, const Datagram& d, const stun::Message& m) {
  auto it = transactions_.find(m.transaction_id);
  if (it == transactions_.end()) {
    ++counters_.ignored;
    return;
  }
  Transaction& t = it->second;
  if (t.kind == Kind::gather) {
    if (d.local != t.local || d.remote != t.remote) {
      ++counters_.ignored;
      return;
    }
    Transaction done = std::move(t);
    transactions_.erase(it);
    on_gather_response(now, done, m);
    return;
  }
  // Checks are authenticated with the peer's password; a response without
  // a valid MESSAGE-INTEGRITY is discarded as if never received (RFC 8489 §9.1.5).
  if (!stun::verify_message_integrity(m, t.key)) {
    ++counters_.ignored;
    return;
  }
  Transaction done = std::move(t);
  transactions_.erase(it);
  if (d.local != done.local || d.remote != done.remote) {
    // §7.2.5.2.1: not symmetric, the pair fails.
    if (done.kind == Kind::check) {
      CandidatePair* p = list_.find(done.pair_id);
      if (p && p->transaction == done.id) {
        p->transaction.reset();
        pair_failed(*p);
      }
    }
    return;
  }
  if (done.kind == Kind::consent) {
    if (m.cls == stun::MessageClass::success_response) on_consent_response(now, done);
    return;
  }
  on_check_response(now, done, m);
}

std::size_t IceAgent::local_for_mapped(const SocketAddress& mapped, const Transaction& t, std::uint16_t component) {
  for (std::size_t i = 0; i < local_.size(); ++i)
    if (local_[i].c.address == mapped && local_[i].c.component == component) return i;
  // t.local is always one of our bases: transactions do not outlive a restart.
  const std::size_t base = base_at(t.local).value_or(0);
  if (local_.size() >= config_.max_local_candidates) return base;
  // §7.2.5.3.1: a peer-reflexive local candidate, with the PRIORITY we sent.
  Candidate c;
  c.foundation = foundations_.get(CandidateType::peer_reflexive, t.local.ip, std::nullopt);
  c.component = component;
  c.priority = t.priority;
  c.address = mapped;
  c.type = CandidateType::peer_reflexive;
  c.related = t.local;
  c.base = t.local;
  c.local_preference = local_[base].c.local_preference;
  add_local_candidate(Instant{}, c, std::nullopt, false);
  return local_.size() - 1;
}

void IceAgent::on_check_response(Instant now, const Transaction& t, const stun::Message& m) {
  CandidatePair* p = list_.find(t.pair_id);
  if (p == nullptr) return;
  const bool current = p->transaction == t.id;
  if (current) p->transaction.reset();
  if (m.cls == stun::MessageClass::error_response) {
    if (!current) return;
    auto code = m.error_code();
    if (code && code->code == 487) {
      // §7.2.5.1: switch to the role opposite to the one we claimed (unless
      // we already did), and check the pair again.
      if (t.role == role_) set_role(opposite(role_));
      p->state = PairState::waiting;
      list_.trigger(p->id);
      return;
    }
    pair_failed(*p);
    return;
  }
  auto mapped = m.xor_address(stun::attr::xor_mapped_address);
  if (!mapped) {
    if (current) pair_failed(*p);
    return;
  }
  refresh_consent(now, t.local, t.remote);
  const std::uint32_t pair_id = p->id;
  const std::size_t local = local_for_mapped(*mapped, t, p->component);
  p = list_.find(pair_id);
  p->state = PairState::succeeded;
  if (!p->use_candidate_next) list_.untrigger(p->id);
  list_.unfreeze_foundation(p->foundation);  // §7.2.5.3.3
  const std::uint16_t component = p->component;
  const bool nominate_now = (t.use_candidate && t.role == Role::controlling && role_ == Role::controlling) ||
                            (p->nominate_on_success && role_ == Role::controlled);
  p->nominate_on_success = false;
  ValidPair& v = list_.add_valid(local, p->remote, component, priority_of(local, p->remote), pair_id);
  if (t.use_candidate && nominating_[component - 1] == pair_id) nominating_[component - 1].reset();
  if (nominate_now) nominate(now, v);
}

void IceAgent::pair_failed(CandidatePair& p) {
  p.state = PairState::failed;
  p.use_candidate_next = false;
  p.nominate_on_success = false;
  const std::uint32_t id = p.id;
  std::erase_if(list_.valid(), [&](const ValidPair& v) { return v.generated_by == id && !v.nominated; });
  if (nominating_[p.component - 1] == id) nominating_[p.component - 1].reset();
}

void IceAgent::on_transaction_timeout(Instant, const Transaction& t) {
  if (t.kind != Kind::check) return;  // gathering gives up quietly; consent expiry is timed separately
  CandidatePair* p = list_.find(t.pair_id);
  if (p == nullptr || p->transaction != t.id) return;  // cancelled or superseded
  p->transaction.reset();
  pair_failed(*p);
}

}  // namespace confab::ice
