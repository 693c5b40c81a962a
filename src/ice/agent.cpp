// IceAgent: construction, the driving loop (poll_*, handle_timeout,
// handle_datagram's demultiplexing), roles and the overall state.
#include <algorithm>

#include "ice/agent.hpp"

namespace confab::ice {

const char* to_string(IceState s) {
  switch (s) {
    case IceState::idle: return "idle";
    case IceState::checking: return "checking";
    case IceState::connected: return "connected";
    case IceState::disconnected: return "disconnected";
    case IceState::failed: return "failed";
    case IceState::closed: return "closed";
  }
  return "idle";
}

IceAgent::IceAgent(IceConfig config, Rng& rng, Instant now)
    : config_(std::move(config)), rng_(rng), role_(config_.role), tie_breaker_(rng.next_u64()) {
  config_.components = std::clamp<std::uint16_t>(config_.components, 1, 256);
  config_.min_rto = std::max(config_.min_rto, Duration{std::chrono::milliseconds(500)});
  local_creds_ = config_.credentials && valid_ufrag(config_.credentials->ufrag) && valid_pwd(config_.credentials->pwd)
                     ? *config_.credentials
                     : generate_credentials(rng_);
  local_key_ = password_key(local_creds_.pwd);
  nominating_.resize(config_.components);
  selected_.resize(config_.components);
  for (const auto& a : config_.local_addresses) add_host(now, a);
  check_gathering_done();
}

// ---------------------------------------------------------------- outputs

void IceAgent::queue(const SocketAddress& from, const SocketAddress& to, Bytes bytes) {
  outbox_.push_back(Transmit{Transport::udp, from, to, std::move(bytes)});
}

std::optional<Transmit> IceAgent::poll_transmit() {
  if (outbox_.empty()) return std::nullopt;
  Transmit t = std::move(outbox_.front());
  outbox_.pop_front();
  return t;
}

std::optional<Event> IceAgent::poll_event() {
  if (events_.empty()) return std::nullopt;
  Event e = std::move(events_.front());
  events_.pop_front();
  return e;
}

std::optional<Instant> IceAgent::poll_timeout() const {
  if (closed_) return std::nullopt;
  if (timeout_cache_) return *timeout_cache_;
  std::optional<Instant> next;
  auto consider = [&](Instant t) {
    if (!next || t < *next) next = t;
  };
  for (const auto& [id, t] : transactions_) consider(t.timer.deadline());
  if (has_paced_work()) consider(last_paced_ ? *last_paced_ + config_.ta : Instant{});
  if (auto n = nomination_deadline()) consider(*n);
  for (const auto& s : selected_) {
    if (!s || s->consent_lost) continue;
    consider(s->last_sent + config_.keepalive_interval);
    if (config_.consent_freshness) {
      consider(s->next_consent);
      consider(s->last_response + config_.consent_timeout);
    }
  }
  timeout_cache_ = next;
  return next;
}

void IceAgent::handle_timeout(Instant now) {
  timeout_cache_.reset();
  if (closed_) return;
  // Retransmissions and timeouts first: a failure may change what is paced next.
  std::vector<stun::TransactionId> due;
  for (const auto& [id, t] : transactions_)
    if (t.timer.deadline() <= now) due.push_back(id);
  for (const auto& id : due) {
    auto it = transactions_.find(id);
    if (it == transactions_.end()) continue;
    switch (it->second.timer.handle_timeout(now)) {
      case Retransmitter::Tick::nothing: break;
      case Retransmitter::Tick::retransmit:
        ++counters_.retransmissions;
        queue(it->second.local, it->second.remote, it->second.request);
        break;
      case Retransmitter::Tick::timed_out: {
        Transaction t = std::move(it->second);
        transactions_.erase(it);
        on_transaction_timeout(now, t);
        break;
      }
    }
  }
  consent_tick(now);
  evaluate_nomination(now);
  if (has_paced_work() && (!last_paced_ || now >= *last_paced_ + config_.ta)) pace(now);
  check_gathering_done();
  update_state(now);
}

// ---------------------------------------------------------------- inputs

std::optional<std::size_t> IceAgent::base_at(const SocketAddress& local) const {
  for (std::size_t i = 0; i < local_.size(); ++i) {
    const Candidate& c = local_[i].c;
    if ((c.type == CandidateType::host || c.type == CandidateType::relayed) && c.address == local) return i;
  }
  return std::nullopt;
}

Received IceAgent::handle_datagram(Instant now, const Datagram& d) {
  timeout_cache_.reset();
  if (!stun::looks_like_stun(d.bytes)) return Received::not_stun;
  if (!base_at(d.local)) return Received::unknown_socket;
  ++counters_.received_stun;
  if (closed_) return Received::stun;
  auto m = stun::parse(d.bytes);
  if (!m) {
    ++counters_.malformed;
    return Received::stun;
  }
  if (m->method != stun::method::binding) {
    ++counters_.ignored;
    return Received::stun;
  }
  switch (m->cls) {
    case stun::MessageClass::request: handle_request(now, d, *m); break;
    case stun::MessageClass::success_response:
    case stun::MessageClass::error_response: handle_response(now, d, *m); break;
    case stun::MessageClass::indication: ++counters_.ignored; break;  // keepalives
  }
  evaluate_nomination(now);
  check_gathering_done();
  update_state(now);
  return Received::stun;
}

bool IceAgent::set_remote_credentials(Instant now, const IceCredentials& remote, bool remote_lite) {
  timeout_cache_.reset();
  if (closed_ || !valid_ufrag(remote.ufrag) || !valid_pwd(remote.pwd)) return false;
  if (remote_creds_) return *remote_creds_ == remote;
  remote_creds_ = remote;
  remote_key_ = password_key(remote.pwd);
  remote_lite_ = remote_lite;
  // §6.1.1: against a lite implementation the full agent controls.
  if (remote_lite_ && role_ == Role::controlled) set_role(Role::controlling);
  update_state(now);
  return true;
}

bool IceAgent::add_remote_candidate(Instant now, Candidate c) {
  timeout_cache_.reset();
  if (closed_ || c.transport != Transport::udp || c.component < 1 || c.component > config_.components) return false;
  if (c.address.ip.is_unspecified() || c.address.port == 0 || c.foundation.empty()) return false;
  c.base = c.address;
  for (auto& r : remote_) {
    if (r.address != c.address || r.component != c.component) continue;
    if (r.type != CandidateType::peer_reflexive) return false;  // duplicate
    // Learned from a check first, signalled now: take the signalled identity.
    r.type = c.type;
    r.foundation = c.foundation;
    r.priority = c.priority;
    r.related = c.related;
    recompute_priorities();
    return true;
  }
  if (remote_.size() >= config_.max_remote_candidates) return false;
  remote_.push_back(std::move(c));
  pair_remote(remote_.size() - 1);
  update_state(now);
  return true;
}

void IceAgent::end_of_remote_candidates(Instant now) {
  timeout_cache_.reset();
  remote_done_ = true;
  update_state(now);
}

bool IceAgent::reduce_components(Instant now, std::uint16_t n) {
  if (n < 1 || n >= config_.components) return false;
  timeout_cache_.reset();
  config_.components = n;
  list_.remove_if([&](const CandidatePair& p) { return p.component > n; });
  std::erase_if(list_.valid(), [&](const ValidPair& v) { return v.component > n; });
  std::erase_if(transactions_, [&](const auto& entry) {
    const Transaction& t = entry.second;
    if (t.kind == Kind::consent) return t.component > n;
    if (t.kind == Kind::check) return !list_.find(t.pair_id);
    return false;  // gathering: harmless, its answer is still a candidate of a kept socket or ignored
  });
  nominating_.resize(n);
  selected_.resize(n);
  evaluate_nomination(now);  // every remaining component may be valid already
  update_state(now);
  return true;
}

void IceAgent::close() {
  timeout_cache_.reset();
  closed_ = true;
  transactions_.clear();
  gather_queue_.clear();
  if (state_ != IceState::closed) {
    state_ = IceState::closed;
    emit(event::StateChanged{state_});
  }
}

// ---------------------------------------------------------------- roles, priorities, state

std::uint64_t IceAgent::priority_of(std::size_t local, std::size_t remote) const {
  return pair_priority(role_, local_[local].c.priority, remote_[remote].priority);
}

void IceAgent::recompute_priorities() {
  for (auto& p : list_.pairs()) p.priority = priority_of(p.local, p.remote);
  for (auto& v : list_.valid()) v.priority = priority_of(v.local, v.remote);
  list_.sort();
}

void IceAgent::set_role(Role r) {
  if (r == role_) return;
  role_ = r;
  recompute_priorities();
  for (auto& p : list_.pairs()) p.use_candidate_next = false;
  std::ranges::fill(nominating_, std::nullopt);
  emit(event::RoleChanged{r});
}

bool IceAgent::list_failed() const {
  if (!remote_creds_ || !remote_done_ || gathering_ == GatheringState::gathering) return false;
  if (list_.has_triggered()) return false;
  for (const auto& p : list_.pairs())
    if (p.state != PairState::failed && p.state != PairState::succeeded) return false;
  for (const auto& n : nominating_)
    if (n) return false;
  // Everything was tried: failed unless every component has a valid pair.
  for (std::uint16_t c = 1; c <= config_.components; ++c) {
    if (std::ranges::none_of(list_.valid(), [&](const ValidPair& v) { return v.component == c; })) return true;
  }
  return false;
}

void IceAgent::update_state(Instant) {
  if (closed_) return;
  bool all_selected = true;
  bool lost = false;
  for (const auto& s : selected_) {
    if (!s || s->consent_lost) all_selected = false;
    if (s && s->consent_lost) lost = true;
  }
  IceState next = IceState::idle;
  if (all_selected) {
    next = IceState::connected;
  } else if (lost) {
    next = IceState::disconnected;
  } else if (list_failed()) {
    next = IceState::failed;
  } else if (remote_creds_) {
    next = IceState::checking;
  }
  if (next != state_) {
    state_ = next;
    emit(event::StateChanged{next});
  }
}

// ---------------------------------------------------------------- views

std::vector<Candidate> IceAgent::local_candidates() const {
  std::vector<Candidate> out;
  for (const auto& l : local_)
    if (l.c.type != CandidateType::peer_reflexive && l.c.component <= config_.components) out.push_back(l.c);
  return out;
}

std::optional<SelectedPair> IceAgent::selected_pair(std::uint16_t component) const {
  if (component < 1 || component > selected_.size()) return std::nullopt;
  const auto& s = selected_[component - 1];
  if (!s || s->consent_lost) return std::nullopt;
  return s->pair;
}

std::vector<PairInfo> IceAgent::pairs() const {
  std::vector<PairInfo> out;
  auto valid_of = [&](std::size_t l, std::size_t r) -> const ValidPair* {
    for (const auto& v : list_.valid())
      if (v.local == l && v.remote == r) return &v;
    return nullptr;
  };
  for (const auto& p : list_.pairs()) {
    const ValidPair* v = valid_of(p.local, p.remote);
    out.push_back(PairInfo{local_[p.local].c, remote_[p.remote], p.priority, p.state, v != nullptr,
                           v != nullptr && v->nominated});
  }
  for (const auto& v : list_.valid()) {
    if (std::ranges::any_of(list_.pairs(), [&](const CandidatePair& p) { return p.local == v.local && p.remote == v.remote; }))
      continue;
    out.push_back(PairInfo{local_[v.local].c, remote_[v.remote], v.priority, std::nullopt, true, v.nominated});
  }
  return out;
}

}  // namespace confab::ice
