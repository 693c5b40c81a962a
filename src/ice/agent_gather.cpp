// Gathering (RFC 8445 §5.1.1): host candidates from the sockets the I/O
// layer bound, server-reflexive ones from Binding requests to the STUN
// servers (confabd's reflector), paced by Ta; relayed ones handed in by the
// TURN client. Redundant candidates are dropped (§5.1.3) and new local and
// remote candidates are paired (§6.1.2.2).
#include <algorithm>

#include "ice/agent.hpp"
#include "ice/messages.hpp"

namespace confab::ice {

void IceAgent::add_local_address(Instant now, const LocalAddress& a) {
  timeout_cache_.reset();
  add_host(now, a);
  check_gathering_done();
  update_state(now);
}

void IceAgent::add_host(Instant now, const LocalAddress& a) {
  if (closed_ || a.component < 1 || a.component > config_.components) return;
  if (a.address.ip.is_unspecified() || a.address.port == 0 || base_at(a.address)) return;
  if (local_.size() >= config_.max_local_candidates) return;
  auto at = std::ranges::find(interface_order_, a.address.ip);
  if (at == interface_order_.end()) at = interface_order_.insert(interface_order_.end(), a.address.ip);
  const auto index = static_cast<std::size_t>(at - interface_order_.begin());
  const std::uint16_t pref =
      a.local_preference.value_or(static_cast<std::uint16_t>(65535 - std::min<std::size_t>(index, 65535)));

  Candidate c;
  c.foundation = foundations_.get(CandidateType::host, a.address.ip, std::nullopt);
  c.component = a.component;
  c.priority = candidate_priority(config_.type_preferences.host, pref, a.component);
  c.address = a.address;
  c.type = CandidateType::host;
  c.base = a.address;
  c.local_preference = pref;
  add_local_candidate(now, c, std::nullopt, true);

  const std::size_t base = local_.size() - 1;
  for (const auto& server : config_.stun_servers) {
    if (server.ip.family() != a.address.ip.family()) continue;
    gather_queue_.push_back(PendingGather{base, server});
  }
  gathering_ = GatheringState::gathering;
}

void IceAgent::add_relay_candidate(Instant now, std::uint16_t component, const SocketAddress& relayed,
                                   const SocketAddress& mapped, const IpAddress& server) {
  timeout_cache_.reset();
  if (closed_ || component < 1 || component > config_.components || base_at(relayed)) return;
  if (local_.size() >= config_.max_local_candidates) return;
  Candidate c;
  c.foundation = foundations_.get(CandidateType::relayed, relayed.ip, server);
  c.component = component;
  c.local_preference = 65535;
  c.priority = candidate_priority(config_.type_preferences.relayed, c.local_preference, component);
  c.address = relayed;
  c.type = CandidateType::relayed;
  c.related = mapped;
  c.base = relayed;  // a relayed candidate is its own base (§5.1.1.2)
  add_local_candidate(now, c, server, true);
  gathering_ = GatheringState::gathering;
  check_gathering_done();
  update_state(now);
}

void IceAgent::add_local_candidate(Instant, Candidate c, std::optional<IpAddress> server, bool signal) {
  local_.push_back(LocalCandidate{c, server});
  if (signal) emit(event::CandidateGathered{c});
  if (c.type == CandidateType::host || c.type == CandidateType::relayed) pair_local(local_.size() - 1);
}

void IceAgent::pair_local(std::size_t l) {
  if (all_nominated()) return;
  const Candidate& lc = local_[l].c;
  if (lc.component > config_.components) return;  // dropped by reduce_components
  bool added = false;
  for (std::size_t r = 0; r < remote_.size(); ++r) {
    const Candidate& rc = remote_[r];
    // Learned peer-reflexive candidates are not paired (§7.3.1.3).
    if (rc.type == CandidateType::peer_reflexive) continue;
    if (rc.component != lc.component || rc.address.ip.family() != lc.address.ip.family()) continue;
    added |= list_.add(l, r, lc.component, lc.foundation + ":" + rc.foundation, priority_of(l, r),
                       config_.max_pairs) != nullptr;
  }
  if (added) list_.unfreeze_new();
}

void IceAgent::pair_remote(std::size_t r) {
  if (all_nominated()) return;
  const Candidate& rc = remote_[r];
  bool added = false;
  for (std::size_t l = 0; l < local_.size(); ++l) {
    const Candidate& lc = local_[l].c;
    // Server-reflexive candidates are replaced by their bases (§6.1.2.4):
    // only host and relayed candidates are on the check list.
    if (lc.type != CandidateType::host && lc.type != CandidateType::relayed) continue;
    if (rc.component != lc.component || rc.address.ip.family() != lc.address.ip.family()) continue;
    added |= list_.add(l, r, lc.component, lc.foundation + ":" + rc.foundation, priority_of(l, r),
                       config_.max_pairs) != nullptr;
  }
  if (added) list_.unfreeze_new();
}

void IceAgent::send_gather(Instant now) {
  PendingGather g = gather_queue_.front();
  gather_queue_.pop_front();
  if (g.base >= local_.size()) return;
  const std::size_t outstanding = static_cast<std::size_t>(
      std::ranges::count_if(transactions_, [](const auto& kv) { return kv.second.kind == Kind::gather; }));
  // §14.3: RTO = MAX(500 ms, Ta · Num-Of-Cands).
  const auto cands = static_cast<Duration::rep>(gather_queue_.size() + outstanding + 1);
  const Duration rto = std::max(config_.min_rto, config_.ta * cands);
  const auto id = stun::TransactionId::random(rng_);
  Bytes bytes = build_binding_request(id);
  const SocketAddress from = local_[g.base].c.base;
  Transaction t{id, Kind::gather, from, g.server, bytes,
                Retransmitter({rto, config_.gather_transmissions, config_.gather_rm}, now), {}};
  t.base = g.base;
  transactions_.emplace(id, std::move(t));
  queue(from, g.server, std::move(bytes));
}

void IceAgent::on_gather_response(Instant now, const Transaction& t, const stun::Message& m) {
  if (m.cls != stun::MessageClass::success_response || t.base >= local_.size()) return;
  auto mapped = m.xor_address(stun::attr::xor_mapped_address);
  if (!mapped) mapped = m.address(stun::attr::mapped_address);
  if (!mapped || mapped->port == 0 || mapped->ip.is_unspecified()) return;
  ++counters_.reflector_answers;
  const Candidate base = local_[t.base].c;
  // §5.1.3: the same address with the same base is redundant (no NAT: the
  // srflx candidate is the host candidate; two servers: the same mapping).
  for (const auto& l : local_)
    if (l.c.address == *mapped && l.c.base == base.address) return;
  if (local_.size() >= config_.max_local_candidates) return;
  Candidate c;
  c.foundation = foundations_.get(CandidateType::server_reflexive, base.address.ip, t.remote.ip);
  c.component = base.component;
  c.local_preference = base.local_preference;
  c.priority = candidate_priority(config_.type_preferences.server_reflexive, c.local_preference, c.component);
  c.address = *mapped;
  c.type = CandidateType::server_reflexive;
  c.related = base.address;
  c.base = base.address;
  add_local_candidate(now, c, t.remote.ip, true);
}

void IceAgent::check_gathering_done() {
  if (gathering_ != GatheringState::gathering || !gather_queue_.empty()) return;
  if (std::ranges::any_of(transactions_, [](const auto& kv) { return kv.second.kind == Kind::gather; })) return;
  gathering_ = GatheringState::complete;
  emit(event::GatheringComplete{});
}

}  // namespace confab::ice
