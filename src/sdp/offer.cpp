// Our side of an exchange we start: create_offer() (initial and re-offers:
// hold/resume, added and removed streams, BUNDLE once agreed) and
// accept_answer() (RFC 3264 §5, §7, §8; RFC 5761; RFC 9143; RFC 4568).
#include <algorithm>

#include "sdp/negotiator.hpp"

namespace confab::sdp {
namespace {

NegotiationError mismatch(std::string detail) {
  return NegotiationError{NegotiationErrorCode::answer_mismatch, std::move(detail)};
}

bool contains(const std::vector<std::string>& v, const std::string& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

}  // namespace

MediaDescription Negotiator::offer_section(std::size_t index) {
  MLine& ml = mlines_[index];
  MediaDescription m;
  m.media = ml.media;
  m.proto = ml.proto;
  const bool live = ml.stream && !streams_[*ml.stream].removed;
  if (!live) {  // RFC 3264 §8.2: port 0, the formats as before, no attributes needed
    m.port = 0;
    m.formats = ml.last_formats.empty() ? std::vector<std::string>{"0"} : ml.last_formats;
    if (!ml.mid.empty()) m.add("mid", ml.mid);
    return m;
  }
  Stream& s = streams_[*ml.stream];
  const NegotiatedStream* before = negotiated_ ? negotiated_->find(*ml.stream) : nullptr;
  const auto tagged = negotiated_ ? negotiated_->bundle_mline : std::nullopt;
  const bool tagged_live = tagged && mlines_[*tagged].stream && !streams_[*mlines_[*tagged].stream].removed;
  const bool bundled_elsewhere = before && before->bundled && tagged_live && *tagged != index;
  const bool muxed = before && before->accepted && before->rtcp_mux;
  m.port = bundled_elsewhere ? 0 : s.local.port;
  if (s.local.address && *s.local.address != config_.address) {
    Connection c;
    c.addrtype = s.local.address->is_v6() ? "IP6" : "IP4";
    c.address = s.local.address->to_string();
    m.connections.push_back(c);
  }
  if (!ml.mid.empty()) m.add("mid", ml.mid);
  if (bundled_elsewhere) m.add("bundle-only");  // RFC 9143 §7.5.1
  add_codecs(m, codecs_for(ml.media));
  if (ml.media == "audio" && config_.audio_ptime) {
    std::string v = std::to_string(*config_.audio_ptime);
    v.erase(v.find_last_not_of('0') + 1);
    if (v.back() == '.') v.pop_back();
    m.add("ptime", v);
  }
  if (!muxed && !bundled_elsewhere)  // RFC 3605: say where RTCP goes while mux is not agreed
    m.add("rtcp", std::to_string(s.local.rtcp_port ? s.local.rtcp_port : static_cast<std::uint16_t>(s.local.port + 1)));
  if (config_.offer_rtcp_mux || muxed) m.add("rtcp-mux");
  if (m.is_secure()) {
    if (s.offered_crypto.empty()) {
      std::uint32_t tag = 1;
      for (const auto& suite : config_.crypto_suites) {
        Crypto c{tag++, suite, {}, {}};
        c.keys.push_back(inline_key(suite == s.answer_suite ? s.answer_key : new_key(suite)));
        s.offered_crypto.push_back(std::move(c));
      }
    }
    for (const Crypto& c : s.offered_crypto) m.add("crypto", to_value(c));
  }
  m.set_direction(wanted_direction(*ml.stream));
  if (config_.ice && !bundled_elsewhere) {
    for (const Candidate& c : s.local.candidates) m.add("candidate", to_value(c));
    if (s.local.end_of_candidates) m.add("end-of-candidates");
  }
  ml.last_formats = m.formats;
  return m;
}

Result<SessionDescription, NegotiationError> Negotiator::create_offer() {
  if (pending_) return unexpected(NegotiationError{NegotiationErrorCode::offer_pending, "answer or cancel the outstanding offer first"});
  for (StreamId id = 0; id < streams_.size(); ++id) {
    Stream& s = streams_[id];
    if (s.mline || s.removed) continue;
    MLine ml;
    ml.media = s.local.media;
    const bool secure = config_.srtp == SrtpMode::required;
    ml.proto = std::string(secure ? "RTP/SAVP" : "RTP/AVP") + (config_.offer_avpf ? "F" : "");
    ml.stream = id;
    if (config_.offer_bundle) {
      // A mid no earlier m= line uses (the peer may have chosen the others).
      for (std::size_t n = mlines_.size();; ++n) {
        const std::string candidate = std::to_string(n);
        if (std::none_of(mlines_.begin(), mlines_.end(), [&](const MLine& o) { return o.mid == candidate; })) {
          ml.mid = candidate;
          break;
        }
      }
    }
    s.mline = mlines_.size();
    mlines_.push_back(std::move(ml));
  }
  SessionDescription sd = skeleton(config_.ice);
  std::vector<std::string> bundle_mids;
  for (std::size_t i = 0; i < mlines_.size(); ++i) {
    sd.media.push_back(offer_section(i));
    const MediaDescription& m = sd.media.back();
    if (!mlines_[i].mid.empty() && (m.port != 0 || m.has("bundle-only"))) bundle_mids.push_back(mlines_[i].mid);
  }
  if (config_.offer_bundle && !bundle_mids.empty()) {
    Group g{"BUNDLE", {}};
    // The offerer-tagged section goes first (RFC 9143 §7.2.1): the agreed one in re-offers.
    if (negotiated_ && negotiated_->bundle && negotiated_->bundle_mline) {
      const std::string& tagged = mlines_[*negotiated_->bundle_mline].mid;
      if (contains(bundle_mids, tagged)) g.mids.push_back(tagged);
    }
    for (const auto& mid : bundle_mids)
      if (!contains(g.mids, mid)) g.mids.push_back(mid);
    sd.attributes.insert(sd.attributes.begin(), Attribute{"group", to_value(g)});
  }
  stamp_version(sd);
  pending_ = sd;
  return sd;
}

Result<Negotiated, NegotiationError> Negotiator::accept_answer(const SessionDescription& answer) {
  if (!pending_) return unexpected(NegotiationError{NegotiationErrorCode::no_offer_pending, "no offer of ours to answer"});
  const SessionDescription& offer = *pending_;
  if (answer.media.size() != offer.media.size())
    return unexpected(mismatch(std::to_string(answer.media.size()) + " m= lines answer " + std::to_string(offer.media.size())));
  Negotiated out;
  out.remote_version = answer.origin.session_version;
  out.remote_ice_lite = answer.ice_lite();
  const auto offered_bundle = offer.group("BUNDLE");
  const auto answered_bundle = answer.group("BUNDLE");
  std::optional<std::size_t> tagged;
  if (offered_bundle && answered_bundle && !answered_bundle->mids.empty()) {
    for (std::size_t i = 0; i < answer.media.size(); ++i)
      if (answer.media[i].mid() == answered_bundle->mids.front()) tagged = i;
    if (!tagged || answer.media[*tagged].port == 0) return unexpected(mismatch("the BUNDLE group's first mid has no port"));
    out.bundle = true;
    out.bundle_mline = tagged;
  }
  for (std::size_t i = 0; i < offer.media.size(); ++i) {
    const MediaDescription& om = offer.media[i];
    const MediaDescription& am = answer.media[i];
    if (om.media != am.media) return unexpected(mismatch("m= line " + std::to_string(i) + " answers " + om.media + " with " + am.media));
    NegotiatedStream s;
    s.mline = i;
    s.stream = mlines_[i].stream;
    s.media = om.media;
    s.proto = om.proto;
    s.mid = am.mid() ? am.mid() : om.mid();
    const bool in_bundle = out.bundle && am.mid() && std::find(answered_bundle->mids.begin(), answered_bundle->mids.end(), *am.mid()) != answered_bundle->mids.end();
    const bool removed_by_us = om.port == 0 && !om.has("bundle-only");
    if (removed_by_us || (am.port == 0 && !in_bundle)) {
      out.streams.push_back(std::move(s));
      continue;
    }
    // Codecs in the answerer's order; PTs are the ones we offered.
    const std::vector<Codec>& ours = codecs_for(om.media);
    for (std::uint8_t pt : am.payload_types()) {
      auto c = std::find_if(ours.begin(), ours.end(), [pt](const Codec& x) { return x.payload_type == pt; });
      if (c == ours.end()) continue;
      NegotiatedCodec nc{pt, c->encoding, c->clock_rate, c->channels ? c->channels : 1, c->fmtp, {}, {}};
      if (auto f = am.fmtp(std::to_string(pt))) nc.remote_fmtp = f->parameters;
      for (const RtcpFb& fb : am.rtcp_fbs(pt))
        if (contains(c->rtcp_fb, fb.feedback())) nc.rtcp_fb.push_back(fb.feedback());
      if (c->is_auxiliary()) {
        if (!s.telephone_event && c->encoding == "telephone-event") s.telephone_event = std::move(nc);
      } else {
        s.codecs.push_back(std::move(nc));
      }
    }
    if (s.codecs.empty()) return unexpected(mismatch("m= line " + std::to_string(i) + " accepts none of the codecs we offered"));
    const Direction offered = offer.direction_of(om);
    const Direction answered = answer.direction_of(am);
    s.direction = make_direction(sends(offered) && receives(answered), receives(offered) && sends(answered));
    s.rtcp_mux = om.rtcp_mux() && (am.rtcp_mux() || in_bundle);
    s.bundled = in_bundle;
    fill_transport(answer, in_bundle ? answer.media[*tagged] : am, s);
    if (om.is_secure()) {
      const auto answered_crypto = am.cryptos();
      const auto offered_crypto = om.cryptos();
      for (const Crypto& a : answered_crypto) {
        auto o = std::find_if(offered_crypto.begin(), offered_crypto.end(), [&](const Crypto& x) { return x.tag == a.tag && x.suite == a.suite; });
        if (o == offered_crypto.end() || a.keys.size() != 1 || key_problem(a)) continue;
        s.srtp = SrtpKeys{a.tag, a.suite, o->keys.front().key_salt, a.keys.front().key_salt, a.keys.front().mki_value, a.keys.front().mki_length};
        break;
      }
      if (!s.srtp) return unexpected(mismatch("m= line " + std::to_string(i) + " has no a=crypto matching an offered tag and suite"));
    }
    s.remote_ptime = am.ptime();
    s.accepted = true;
    out.streams.push_back(std::move(s));
  }
  pending_.reset();
  negotiated_ = out;
  return out;
}

}  // namespace confab::sdp
