// CallMedia: offer/answer in, ICE agents sized by it, media once connected.
#include "call/call_media.hpp"

#include <algorithm>

#include "call/candidates.hpp"
#include "sdp/session.hpp"

namespace confab::call {

namespace {

sdp::NegotiatorConfig negotiator_config(const CallMediaConfig& c) {
  sdp::NegotiatorConfig n;
  n.srtp = c.srtp;
  n.offer_rtcp_mux = c.offer_rtcp_mux;
  n.offer_bundle = c.offer_bundle && c.video.has_value();
  n.offer_avpf = true;  // NACK and PLI for video (RFC 4585)
  if (!c.audio.rtp.empty()) n.address = c.audio.rtp.front().ip;
  n.audio_codecs = {sdp::opus_codec()};
  n.video_codecs = {sdp::vp8_codec()};
  return n;
}

// The candidate to put in m=/c= (RFC 8839 §4.2.1.2): the srflx one when
// there is one (it is what a peer without ICE could reach), else the best host.
std::optional<ice::Candidate> default_candidate(const std::vector<ice::Candidate>& cs, std::uint16_t component) {
  std::optional<ice::Candidate> best;
  auto rank = [](const ice::Candidate& c) { return c.type == ice::CandidateType::server_reflexive ? 2 : 1; };
  for (const auto& c : cs) {
    if (c.component != component) continue;
    if (!best || rank(c) > rank(*best) || (rank(c) == rank(*best) && c.priority > best->priority)) best = c;
  }
  return best;
}

}  // namespace

const char* to_string(CallMediaState s) {
  switch (s) {
    case CallMediaState::gathering: return "gathering";
    case CallMediaState::ready: return "ready";
    case CallMediaState::negotiated: return "negotiated";
    case CallMediaState::connected: return "connected";
    case CallMediaState::failed: return "failed";
    case CallMediaState::closed: return "closed";
  }
  return "?";
}

CallMedia::CallMedia(CallMediaConfig config, Rng& rng, Instant now)
    : config_(std::move(config)),
      rng_(rng),
      negotiator_(negotiator_config(config_), rng_),
      plane_(std::make_unique<MediaPlane>(config_.media, rng_)) {
  if (config_.offerer) {
    const std::uint16_t components = config_.audio.rtcp.empty() ? 1 : 2;
    make_transport(now, "audio", config_.audio, components);
    if (config_.video) make_transport(now, "video", *config_.video, config_.video->rtcp.empty() ? 1 : 2);
    check_ready();
  }
}

CallMedia::~CallMedia() = default;

void CallMedia::make_transport(Instant now, const std::string& media, const StreamSockets& sockets,
                               std::uint16_t components) {
  ice::IceConfig ic = config_.ice;
  ic.role = config_.offerer ? ice::Role::controlling : ice::Role::controlled;
  ic.components = components;
  ic.stun_servers = config_.stun_servers;
  ic.credentials = ice::IceCredentials{negotiator_.local_ice().ufrag, negotiator_.local_ice().pwd};
  ic.local_addresses.clear();
  for (const auto& a : sockets.rtp) ic.local_addresses.push_back({1, a, std::nullopt});
  if (components > 1)
    for (const auto& a : sockets.rtcp) ic.local_addresses.push_back({2, a, std::nullopt});
  Transport t;
  t.media = media;
  t.agent = std::make_unique<ice::IceAgent>(std::move(ic), rng_, now);
  transports_.push_back(std::move(t));
}

CallMedia::Transport* CallMedia::transport_for(const std::string& media) {
  for (auto& t : transports_)
    if (t.media == media) return &t;
  return nullptr;
}

void CallMedia::check_ready() {
  if (state_ != CallMediaState::gathering || transports_.empty()) return;
  for (const auto& t : transports_)
    if (t.agent->gathering_state() != ice::GatheringState::complete) return;
  state_ = CallMediaState::ready;
  events_.push_back({MediaEvent::Kind::ready, {}, {}});
}

// Our streams as the negotiator sees them: the default candidate in m=/c=,
// every candidate, end-of-candidates (no trickle over SIP here).
void CallMedia::add_local_streams() {
  const bool first = stream_ids_.empty();
  for (std::size_t i = 0; i < transports_.size(); ++i) {
    auto& t = transports_[i];
    const auto cands = t.agent->local_candidates();
    sdp::LocalStream s;
    s.media = t.media;
    if (auto d = default_candidate(cands, 1)) {
      s.port = d->address.port;
      s.address = d->address.ip;
    }
    if (auto d = default_candidate(cands, 2)) s.rtcp_port = d->address.port;
    for (const auto& c : cands) s.candidates.push_back(to_sdp(c));
    s.end_of_candidates = true;
    if (first) {
      stream_ids_.push_back(negotiator_.add_stream(std::move(s)));
    } else {
      negotiator_.stream(stream_ids_[i]) = std::move(s);
    }
  }
}

Result<std::string, CallError> CallMedia::create_offer(Instant) {
  if (!config_.offerer) return unexpected(CallError{500, "the answerer makes no initial offer"});
  if (!ready()) return unexpected(CallError{500, "candidates are still being gathered"});
  add_local_streams();
  auto offer = negotiator_.create_offer();
  if (!offer) return unexpected(CallError{offer.error().sip_status(), offer.error().message()});
  return sdp::serialize(*offer);
}

std::optional<CallError> CallMedia::accept_answer(Instant now, std::string_view text) {
  auto sd = sdp::parse(text);
  if (!sd) {
    fail("the answer's SDP is malformed: " + sd.error().message());
    return CallError{400, "malformed SDP answer: " + sd.error().message()};
  }
  auto n = negotiator_.accept_answer(*sd);
  if (!n) {
    if (established_) return CallError{n.error().sip_status(), n.error().message()};  // the old session stands
    fail("the answer does not fit our offer: " + n.error().message());
    return CallError{n.error().sip_status(), n.error().message()};
  }
  if (established_) {
    apply_update(*n);
  } else {
    apply(now, *n);
  }
  return std::nullopt;
}

std::optional<CallError> CallMedia::receive_offer(Instant now, std::string_view text) {
  auto sd = sdp::parse(text);
  if (!sd) return CallError{400, "malformed SDP offer: " + sd.error().message()};
  if (established_) {  // a re-offer: the transports stay
    remote_offer_ = std::move(*sd);
    return std::nullopt;
  }
  if (config_.offerer || remote_offer_) return CallError{500, "an offer was already received"};
  // Size the transports by what the offer allows: one for the BUNDLE group
  // (RFC 9143), one component where rtcp-mux is offered (RFC 5761).
  const bool bundle = sd->group("BUNDLE").has_value();
  bool have_audio = false, have_video = false;
  for (const auto& m : sd->media) {
    if (m.port == 0) continue;
    const bool mux = m.rtcp_mux();
    if (m.media == "audio" && !have_audio) {
      have_audio = true;
      make_transport(now, "audio", config_.audio, mux || config_.audio.rtcp.empty() ? 1 : 2);
    } else if (m.media == "video" && !have_video && config_.video) {
      have_video = true;
      if (bundle && have_audio) continue;  // rides on the audio transport
      make_transport(now, "video", *config_.video, mux || config_.video->rtcp.empty() ? 1 : 2);
    }
  }
  if (transports_.empty()) return CallError{488, "the offer has no audio stream"};
  remote_offer_ = std::move(*sd);
  check_ready();
  return std::nullopt;
}

Result<std::string, CallError> CallMedia::create_answer(Instant now) {
  if (!remote_offer_) return unexpected(CallError{500, "no offer to answer"});
  if (established_) {
    auto answer = negotiator_.create_answer(*remote_offer_);
    remote_offer_.reset();
    if (!answer) return unexpected(CallError{answer.error().sip_status(), answer.error().message()});
    apply_update(*negotiator_.negotiated());
    return sdp::serialize(*answer);
  }
  if (!ready()) return unexpected(CallError{500, "candidates are still being gathered"});
  add_local_streams();
  // A video stream bundled onto the audio transport: same port and candidates.
  if (config_.video && !transport_for("video")) {
    sdp::LocalStream v = negotiator_.stream(stream_ids_.front());
    v.media = "video";
    stream_ids_.push_back(negotiator_.add_stream(std::move(v)));
  }
  auto answer = negotiator_.create_answer(*remote_offer_);
  if (!answer) return unexpected(CallError{answer.error().sip_status(), answer.error().message()});
  apply(now, *negotiator_.negotiated());
  return sdp::serialize(*answer);
}

Result<std::string, CallError> CallMedia::create_reoffer(Instant, bool hold) {
  if (!established_) return unexpected(CallError{500, "no session to change yet"});
  if (hold) {
    negotiator_.hold();
  } else {
    negotiator_.resume();
  }
  auto offer = negotiator_.create_offer();
  if (!offer) return unexpected(CallError{offer.error().sip_status(), offer.error().message()});
  return sdp::serialize(*offer);
}

// A re-negotiation changes what flows, not where: each stream's direction.
void CallMedia::apply_update(const sdp::Negotiated& n) {
  for (auto id : stream_ids_)
    if (const sdp::NegotiatedStream* s = n.find(id)) plane_->set_direction(s->media, s->send(), s->recv());
}

// The agreement: which transports carry what, the peer's ICE side, and the
// media streams.
void CallMedia::apply(Instant now, const sdp::Negotiated& n) {
  negotiated_at_ = now;
  established_ = true;
  // A peer without ICE (RFC 8445 §3: no ice-ufrag in its description) gets
  // media at its m=/c= address from our first socket, as before ICE.
  std::vector<std::pair<Transport*, const sdp::NegotiatedStream*>> direct_paths;
  const sdp::NegotiatedStream* bundle_stream = nullptr;
  if (n.bundle && n.bundle_mline)
    for (const auto& s : n.streams)
      if (s.mline == *n.bundle_mline) bundle_stream = &s;

  for (std::size_t i = 0; i < stream_ids_.size(); ++i) {
    const sdp::NegotiatedStream* s = n.find(stream_ids_[i]);
    if (!s) continue;
    Transport* t = transport_for(s->media);
    const bool rides_bundle = s->bundled && bundle_stream && bundle_stream != s;
    if (t && (!s->accepted || rides_bundle)) {
      t->in_use = false;
      t->agent->close();
    }
    if (!s->accepted) continue;
    const sdp::NegotiatedStream& carrier = rides_bundle ? *bundle_stream : *s;
    if (!rides_bundle && t) {
      if (carrier.rtcp_mux) t->agent->reduce_components(now, 1);
      if (carrier.remote_ice)
        t->agent->set_remote_credentials(now, {carrier.remote_ice->ufrag, carrier.remote_ice->pwd},
                                         n.remote_ice_lite);
      for (const auto& c : carrier.remote_candidates)
        if (auto ic = from_sdp(c)) t->agent->add_remote_candidate(now, *ic);
      if (carrier.remote_ice) {
        t->agent->end_of_remote_candidates(now);
      } else {
        direct_paths.push_back({t, &carrier});  // after the plane has the stream (below)
      }
    }
    StreamSetup setup;
    setup.media = s->media;
    setup.send = s->send();
    setup.recv = s->recv();
    if (!s->codecs.empty()) {
      const auto& c = s->codecs.front();
      setup.payload_type = c.payload_type;
      setup.encoding = c.encoding;
      setup.clock_rate = c.clock_rate;
      setup.channels = c.channels;
      setup.remote_fmtp = c.remote_fmtp;
      for (const auto& fb : c.rtcp_fb) {
        if (fb == "nack") setup.nack = true;
        if (fb == "nack pli") setup.pli = true;
      }
    }
    setup.srtp = s->srtp;
    setup.transport = rides_bundle ? bundle_stream->media : s->media;
    if (auto err = plane_->add_stream(now, setup)) fail(*err);
  }
  for (auto [t, s] : direct_paths) {
    const StreamSockets& sockets = t->media == "video" && config_.video ? *config_.video : config_.audio;
    auto rtp = s->remote_rtp();
    if (!rtp || rtp->ip.is_unspecified() || sockets.rtp.empty()) {
      fail("the peer offers no ICE and no usable address for " + t->media);
      continue;
    }
    t->connected = t->selected[0] = t->selected[1] = true;
    plane_->set_path(now, t->media, 1, sockets.rtp.front(), *rtp);
    if (auto rtcp = s->remote_rtcp(); rtcp && !s->rtcp_mux && !sockets.rtcp.empty())
      plane_->set_path(now, t->media, 2, sockets.rtcp.front(), *rtcp);
  }
  if (state_ != CallMediaState::failed) state_ = CallMediaState::negotiated;
  update_state(now);
}

void CallMedia::fail(std::string why) {
  if (state_ == CallMediaState::failed || state_ == CallMediaState::closed) return;
  state_ = CallMediaState::failed;
  events_.push_back({MediaEvent::Kind::failed, std::move(why), {}});
}

}  // namespace confab::call
