// CallMedia's driving loop: datagrams to the agent that owns the socket (or
// to the media plane when they are not STUN, RFC 7983), agent events into
// paths and state, and why a call found no path.
#include <algorithm>
#include <set>

#include "call/call_media.hpp"

namespace confab::call {

void CallMedia::handle_datagram(Instant now, const Datagram& d) {
  if (state_ == CallMediaState::closed) return;
  for (auto& t : transports_) {
    const auto r = t.agent->handle_datagram(now, d);
    if (r == ice::Received::unknown_socket) continue;
    if (r == ice::Received::not_stun) plane_->handle_packet(now, t.media, d);
    break;
  }
  update_state(now);
}

void CallMedia::handle_timeout(Instant now) {
  if (state_ == CallMediaState::closed) return;
  for (auto& t : transports_)
    if (auto at = t.agent->poll_timeout(); at && *at <= now) t.agent->handle_timeout(now);
  if (auto at = plane_->poll_timeout(); at && *at <= now) plane_->handle_timeout(now);
  update_state(now);
}

std::optional<Transmit> CallMedia::poll_transmit() {
  for (auto& t : transports_)
    if (auto x = t.agent->poll_transmit()) return x;
  return plane_->poll_transmit();
}

std::optional<Instant> CallMedia::poll_timeout() const {
  std::optional<Instant> next;
  auto consider = [&](std::optional<Instant> t) {
    if (t && (!next || *t < *next)) next = t;
  };
  if (state_ == CallMediaState::closed) return std::nullopt;
  for (const auto& t : transports_) consider(t.agent->poll_timeout());
  consider(plane_->poll_timeout());
  return next;
}

std::optional<MediaEvent> CallMedia::poll_event() {
  if (events_.empty()) return std::nullopt;
  MediaEvent e = std::move(events_.front());
  events_.pop_front();
  return e;
}

void CallMedia::close(Instant now) {
  if (state_ == CallMediaState::closed) return;
  before_close_ = state_;
  plane_->close(now);
  for (auto& t : transports_) t.agent->close();
  state_ = CallMediaState::closed;
}

void CallMedia::give_up(Instant now) {
  update_state(now);
  if (state_ == CallMediaState::connected || state_ == CallMediaState::failed || state_ == CallMediaState::closed)
    return;
  fail(failure_reason());
}

std::vector<PathInfo> CallMedia::paths() const {
  std::vector<PathInfo> out;
  const auto& n = negotiator_.negotiated();
  for (const auto& t : transports_) {
    if (!t.in_use) continue;
    PathInfo p;
    p.media = t.media;
    p.pair = t.agent->selected_pair(1);
    if (n)
      for (const auto& s : n->streams)
        if (s.media == t.media && s.accepted) p.rtcp_mux = s.rtcp_mux;
    out.push_back(std::move(p));
  }
  if (n)
    for (const auto& s : n->streams) {
      if (!s.accepted || std::ranges::any_of(out, [&](const PathInfo& p) { return p.media == s.media; })) continue;
      PathInfo p;
      p.media = s.media;
      p.bundled = true;
      p.rtcp_mux = true;
      if (!out.empty()) p.pair = out.front().pair;
      out.push_back(std::move(p));
    }
  return out;
}

// Agent events become paths for the media plane and the call's state.
void CallMedia::update_state(Instant now) {
  for (auto& t : transports_) {
    while (auto e = t.agent->poll_event()) {
      if (auto* sel = std::get_if<ice::event::SelectedPairChanged>(&*e)) {
        if (sel->pair.component >= 1 && sel->pair.component <= 2) t.selected[sel->pair.component - 1] = true;
        plane_->set_path(now, t.media, sel->pair.component, sel->pair.local.base, sel->pair.remote.address);
      } else if (auto* st = std::get_if<ice::event::StateChanged>(&*e)) {
        t.connected = st->state == ice::IceState::connected;
        if (st->state == ice::IceState::failed && t.in_use && state_ != CallMediaState::connected)
          fail(failure_reason());
        if (st->state == ice::IceState::disconnected && t.in_use) {
          plane_->stop_sending(t.media);
          events_.push_back({MediaEvent::Kind::disconnected, t.media + ": the peer stopped answering consent checks"});
        }
      }
    }
  }
  for (auto& t : transports_)
    if (t.in_use && (!t.selected[0] || !t.selected[1])) use_valid_pairs(now, t);
  check_ready();
  if (state_ == CallMediaState::negotiated) {
    const bool all = std::ranges::all_of(transports_, [](const Transport& t) { return !t.in_use || t.connected; });
    if (all) {
      state_ = CallMediaState::connected;
      std::string detail;
      for (const auto& p : paths())
        if (p.pair && !p.bundled)
          detail += (detail.empty() ? "" : "; ") + p.media + " " + ice::to_string(p.pair->local.type) + " " +
                    p.pair->local.base.to_string() + " <-> " + ice::to_string(p.pair->remote.type) + " " +
                    p.pair->remote.address.to_string();
      events_.push_back({MediaEvent::Kind::connected, detail, negotiated_at_ ? now - *negotiated_at_ : Duration{}});
    }
  }
  if (!first_media_reported_ && plane_->first_packet_at()) {
    first_media_reported_ = true;
    const Instant at = *plane_->first_packet_at();
    events_.push_back({MediaEvent::Kind::first_media, {}, negotiated_at_ ? at - *negotiated_at_ : Duration{}});
  }
}

// Until ICE selects a pair, media goes on the best valid pair (RFC 8445
// §12.1 allows sending on a valid pair before selection): the first
// packets then leave one round trip after the first successful check
// instead of after the nomination's extra round trip.
void CallMedia::use_valid_pairs(Instant now, Transport& t) {
  if (state_ != CallMediaState::negotiated && state_ != CallMediaState::connected) return;
  const auto pairs = t.agent->pairs();
  for (std::uint16_t component = 1; component <= 2; ++component) {
    if (t.selected[component - 1]) continue;
    const ice::PairInfo* best = nullptr;
    for (const auto& p : pairs)
      if (p.valid && p.local.component == component && (!best || p.priority > best->priority)) best = &p;
    if (!best) continue;
    auto path = std::make_pair(best->local.base, best->remote.address);
    if (t.provisional[component - 1] == path) continue;
    t.provisional[component - 1] = path;
    plane_->set_path(now, t.media, component, path.first, path.second);
  }
}

// Why ICE found nothing, from what both sides' candidates show (RFC 4787
// terms). A srflx candidate per reflector address that differ means the NAT
// maps per destination; no srflx at all means the reflector was not reached.
std::string CallMedia::failure_reason() const {
  // Distinct server-reflexive addresses of one side (one per reflector
  // address) show whether its NAT maps per destination.
  auto mapped = [](const std::vector<ice::Candidate>& cs) {
    std::set<SocketAddress> m;
    for (const auto& c : cs)
      if (c.type == ice::CandidateType::server_reflexive) m.insert(c.address);
    return m.size();
  };
  std::size_t ours = 0, theirs = 0;
  bool reflector_reached = false, peer_signalled_any = false;
  for (const auto& t : transports_) {
    if (!t.in_use) continue;
    ours = std::max(ours, mapped(t.agent->local_candidates()));
    theirs = std::max(theirs, mapped(t.agent->remote_candidates()));
    reflector_reached |= t.agent->counters().reflector_answers > 0;
    peer_signalled_any |= !t.agent->remote_candidates().empty();
  }
  if (!reflector_reached && !config_.stun_servers.empty())
    return "no direct path: the reflector did not answer from here (is UDP blocked?); a relay is needed";
  if (!peer_signalled_any) return "no direct path: the peer offered no usable candidate; a relay is needed";
  if (ours > 1 && theirs > 1) return "no direct path: both sides map per destination; a relay is needed";
  if (ours > 1) return "no direct path: this side maps per destination and the peer's NAT filters it; a relay is needed";
  if (theirs > 1)
    return "no direct path: the peer maps per destination and the NAT here filters it; a relay is needed";
  return "no direct path: every candidate pair failed (the NATs filter each other's checks); a relay is needed";
}

}  // namespace confab::call
