// Connectivity checks we receive (RFC 8445 §7.3): short-term authentication
// (RFC 8489 §9.1.3), role conflicts (§7.3.1.1), the response (§7.3.1.2),
// peer-reflexive remote candidates (§7.3.1.3), triggered checks (§7.3.1.4)
// and nomination by the controlling peer (§7.3.1.5).
#include "ice/agent.hpp"
#include "ice/messages.hpp"

namespace confab::ice {

void IceAgent::answer_error(const Datagram& d, const stun::Message& m, std::uint16_t code, std::string_view reason,
                            ByteView key, const std::vector<std::uint16_t>& unknown) {
  Bytes bytes = build_error_response(m.transaction_id, code, reason, key, unknown);
  // No amplification: whoever did not prove they know our password never
  // gets more bytes back than they sent (their source may be spoofed).
  if (key.empty() && bytes.size() > d.bytes.size()) {
    ++counters_.not_answered;
    return;
  }
  queue(d.local, d.remote, std::move(bytes));
}

void IceAgent::handle_request(Instant now, const Datagram& d, const stun::Message& m) {
  auto unknown = m.unknown_comprehension_required();
  if (!unknown.empty()) {
    ++counters_.unknown_attributes;
    answer_error(d, m, 420, "Unknown Attribute", {}, unknown);
    return;
  }
  auto username = m.string(stun::attr::username);
  if (!username || !m.has(stun::attr::message_integrity)) {
    ++counters_.bad_requests;
    answer_error(d, m, 400, "Bad Request", {});
    return;
  }
  // USERNAME is "ours:theirs"; during a restart the previous credentials
  // still answer the checks that keep the old selected pair alive.
  const Bytes* key = nullptr;
  bool current = false;
  if (auto parts = split_username(*username)) {
    if (parts->first == local_creds_.ufrag) {
      key = &local_key_;
      current = true;
    } else if (previous_local_ && parts->first == previous_local_->ufrag) {
      key = &previous_key_;
    }
  }
  if (key == nullptr || !stun::verify_message_integrity(m, *key)) {
    ++counters_.unauthorized;
    answer_error(d, m, 401, "Unauthorized", {});
    return;
  }
  auto priority = m.u32(stun::attr::priority);
  if (!priority) {
    ++counters_.bad_requests;
    answer_error(d, m, 400, "Bad Request", *key);
    return;
  }
  if (!resolve_role_conflict(d, m, *key)) return;
  ++counters_.requests_answered;
  queue(d.local, d.remote, build_check_success(m.transaction_id, d.remote, *key));
  if (current) triggered_check(now, d, m, *base_at(d.local));
}

bool IceAgent::resolve_role_conflict(const Datagram& d, const stun::Message& m, ByteView key) {
  auto theirs_controlling = m.u64(stun::attr::ice_controlling);
  auto theirs_controlled = m.u64(stun::attr::ice_controlled);
  if (role_ == Role::controlling && theirs_controlling) {
    if (tie_breaker_ >= *theirs_controlling) {
      ++counters_.role_conflicts;
      answer_error(d, m, 487, "Role Conflict", key);
      return false;
    }
    set_role(Role::controlled);
  } else if (role_ == Role::controlled && theirs_controlled) {
    if (tie_breaker_ < *theirs_controlled) {
      ++counters_.role_conflicts;
      answer_error(d, m, 487, "Role Conflict", key);
      return false;
    }
    set_role(Role::controlling);
  }
  return true;
}

std::optional<std::size_t> IceAgent::learn_remote(const SocketAddress& from, std::uint16_t component,
                                                  std::uint32_t priority) {
  for (std::size_t i = 0; i < remote_.size(); ++i)
    if (remote_[i].address == from && remote_[i].component == component) return i;
  if (remote_.size() >= config_.max_remote_candidates) return std::nullopt;
  // §7.3.1.3: a peer-reflexive remote candidate with the PRIORITY of the
  // request and a foundation of its own; it is paired with nothing else.
  Candidate c;
  c.foundation = "prflx" + std::to_string(++remote_prflx_count_);
  c.component = component;
  c.priority = priority;
  c.address = from;
  c.type = CandidateType::peer_reflexive;
  c.base = from;
  remote_.push_back(std::move(c));
  return remote_.size() - 1;
}

void IceAgent::triggered_check(Instant now, const Datagram& d, const stun::Message& m, std::size_t base) {
  const std::uint16_t component = local_[base].c.component;
  if (component > config_.components) return;  // a socket of a dropped component (reduce_components): answered only
  auto remote = learn_remote(d.remote, component, *m.u32(stun::attr::priority));
  if (!remote) return;
  const bool use_candidate = m.has(stun::attr::use_candidate) && role_ == Role::controlled;
  // Once every component is nominated no new checks start (§8.1.2), but a
  // nomination is still followed.
  const bool completed = all_nominated();
  if (completed && !use_candidate) return;
  CandidatePair* p = list_.find(base, *remote);
  if (p == nullptr) {
    p = list_.add(base, *remote, component, local_[base].c.foundation + ":" + remote_[*remote].foundation,
                  priority_of(base, *remote), config_.max_pairs);
    if (p == nullptr) return;
    p->state = PairState::waiting;
    list_.trigger(p->id);
  } else if (p->state != PairState::succeeded) {
    // §7.3.1.4: in progress → cancelled and checked again; waiting, frozen
    // or failed → checked now.
    cancel_check(*p);
    p->state = PairState::waiting;
    list_.trigger(p->id);
  }
  if (!use_candidate) return;
  // §7.3.1.5: nominate the valid pair this pair produced, now or when its check succeeds.
  if (p->state == PairState::succeeded) {
    ValidPair* best = nullptr;
    for (auto& v : list_.valid())
      if (v.generated_by == p->id && (best == nullptr || v.priority > best->priority)) best = &v;
    if (best) {
      nominate(now, *best);
      return;
    }
    p->state = PairState::waiting;
    list_.trigger(p->id);
  }
  p->nominate_on_success = true;
}

}  // namespace confab::ice
