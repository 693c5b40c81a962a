// After selection: keepalives (RFC 8445 §11), consent freshness (RFC 7675)
// and ICE restart (§9).
#include <algorithm>

#include "ice/agent.hpp"
#include "ice/messages.hpp"

namespace confab::ice {

Duration IceAgent::jittered(Duration d) {
  // RFC 7675 §5.1: randomized to 0.8..1.2 of the interval.
  const auto permille = 800 + static_cast<Duration::rep>(rng_.next_u32() % 401);
  return d * permille / 1000;
}

void IceAgent::consent_tick(Instant now) {
  for (auto& s : selected_) {
    if (!s || s->consent_lost) continue;
    if (config_.consent_freshness) {
      if (now >= s->last_response + config_.consent_timeout) {
        // Consent expired: the media layer must stop sending (disconnected).
        s->consent_lost = true;
        continue;
      }
      if (now >= s->next_consent) {
        send_consent(now, *s);
        s->next_consent = now + jittered(config_.consent_interval);
      }
    }
    if (now >= s->last_sent + config_.keepalive_interval) {
      queue(s->pair.local.base, s->pair.remote.address, build_binding_indication(stun::TransactionId::random(rng_)));
      s->last_sent = now;
      ++counters_.keepalives;
    }
  }
}

void IceAgent::send_consent(Instant now, Selected& s) {
  // An ordinary check without USE-CANDIDATE, in the credentials of the
  // generation that selected the pair; a new transaction each time, never
  // retransmitted, whose answer counts until consent would have expired.
  const auto id = stun::TransactionId::random(rng_);
  Bytes bytes = build_check_request(id, {s.username, s.check_priority, role_, tie_breaker_, false}, s.remote_key);
  Transaction t{id, Kind::consent, s.pair.local.base, s.pair.remote.address, bytes,
                Retransmitter({config_.consent_timeout, 1, 1}, now), s.remote_key};
  t.component = s.pair.component;
  transactions_.emplace(id, std::move(t));
  queue(s.pair.local.base, s.pair.remote.address, std::move(bytes));
  s.last_sent = now;
  ++counters_.consent_requests;
}

void IceAgent::on_consent_response(Instant now, const Transaction& t) { refresh_consent(now, t.local, t.remote); }

void IceAgent::refresh_consent(Instant now, const SocketAddress& local, const SocketAddress& remote) {
  for (auto& s : selected_)
    if (s && !s->consent_lost && s->pair.local.base == local && s->pair.remote.address == remote)
      s->last_response = now;
}

void IceAgent::restart(Instant now, std::optional<Role> role) {
  timeout_cache_.reset();
  if (closed_) return;
  // Pairs whose consent is lost are of no further use; live ones carry
  // media until the new generation selects, and their consent checks are
  // answered with the credentials they were made with.
  for (auto& s : selected_)
    if (s && s->consent_lost) s.reset();
  const bool in_use = std::ranges::any_of(selected_, [](const auto& s) { return s.has_value(); });
  if (in_use) {
    previous_local_ = local_creds_;
    previous_key_ = local_key_;
  } else {
    previous_local_.reset();
    previous_key_.clear();
  }
  ++generation_;
  local_creds_ = generate_credentials(rng_);
  local_key_ = password_key(local_creds_.pwd);
  remote_creds_.reset();
  remote_key_.clear();
  remote_lite_ = false;
  remote_.clear();
  remote_done_ = false;
  remote_prflx_count_ = 0;
  list_.clear();
  std::ranges::fill(nominating_, std::nullopt);
  all_valid_since_.reset();
  std::erase_if(transactions_, [](const auto& kv) { return kv.second.kind != Kind::consent; });
  gather_queue_.clear();
  // Host and relayed candidates stay; reflexive ones are gathered again.
  std::vector<LocalCandidate> kept;
  for (auto& l : local_)
    if (l.c.type == CandidateType::host || l.c.type == CandidateType::relayed) kept.push_back(std::move(l));
  local_ = std::move(kept);
  if (role) set_role(*role);
  for (std::size_t i = 0; i < local_.size(); ++i) {
    emit(event::CandidateGathered{local_[i].c});
    if (local_[i].c.type != CandidateType::host) continue;
    for (const auto& server : config_.stun_servers)
      if (server.ip.family() == local_[i].c.address.ip.family()) gather_queue_.push_back(PendingGather{i, server});
  }
  gathering_ = GatheringState::gathering;
  check_gathering_done();
  update_state(now);
}

}  // namespace confab::ice
