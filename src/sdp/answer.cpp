// Answering the peer's offer (RFC 3264 §6): per m= line accept or reject
// (port 0), codecs intersected keeping the offerer's payload types,
// direction per §6.1, rtcp-mux and BUNDLE accepted or declined, one SDES
// crypto line chosen and our key generated; then RFC 9143 §7.3 for the
// accepted BUNDLE group.
#include <algorithm>

#include "sdp/negotiator.hpp"

namespace confab::sdp {
namespace {

bool supported_proto(std::string_view p) {
  return p == "RTP/AVP" || p == "RTP/AVPF" || p == "RTP/SAVP" || p == "RTP/SAVPF";
}

bool contains(const std::vector<std::string>& v, std::string_view x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

}  // namespace

MediaDescription Negotiator::answer_section(const SessionDescription& offer, std::size_t i, std::vector<bool>& used,
                                            Negotiated& out, const std::optional<Group>& bundle, Rejection& why) {
  const MediaDescription& om = offer.media[i];
  MediaDescription m;
  m.media = om.media;
  m.proto = om.proto;
  NegotiatedStream s;
  s.mline = i;
  s.media = om.media;
  s.proto = om.proto;
  s.mid = om.mid();
  auto reject = [&](std::string reason, bool codec = false) {
    m = MediaDescription{};
    m.media = om.media;
    m.proto = om.proto;
    m.port = 0;
    m.formats = om.formats;  // RFC 3264 §6: a rejected stream keeps its formats
    if (s.mid) m.add("mid", *s.mid);
    NegotiatedStream r;
    r.mline = i;
    r.media = om.media;
    r.proto = om.proto;
    r.mid = s.mid;
    out.streams.push_back(std::move(r));
    why.reason = std::move(reason);
    why.no_codec = codec;
    return m;
  };
  const bool in_offered_bundle = bundle && s.mid && contains(bundle->mids, *s.mid);
  if (om.port == 0 && !(om.has("bundle-only") && in_offered_bundle)) return reject("removed by the offerer");
  if (om.media != "audio" && om.media != "video") return reject(om.media + " is not audio or video");
  if (!supported_proto(om.proto)) return reject(om.proto + " is not RTP/AVP, RTP/AVPF, RTP/SAVP or RTP/SAVPF");
  if (om.is_secure() && config_.srtp == SrtpMode::off) return reject("SRTP is off");
  if (!om.is_secure() && config_.srtp == SrtpMode::required) return reject("SRTP is required");
  // Our stream for this line: the one it had, else the first free one of its media type.
  std::optional<StreamId> id;
  if (i < mlines_.size() && mlines_[i].stream && !streams_[*mlines_[i].stream].removed) id = mlines_[i].stream;
  for (StreamId k = 0; !id && k < streams_.size(); ++k) {
    const Stream& st = streams_[k];
    const bool bound_elsewhere = st.mline && *st.mline != i && *st.mline < mlines_.size();
    if (!used[k] && !st.removed && !bound_elsewhere && st.local.media == om.media) id = k;
  }
  if (!id || used[*id]) return reject("no local " + om.media + " stream");
  Stream& st = streams_[*id];
  // Codecs: offer order, offerer's payload types, our parameters.
  const std::vector<Codec>& ours = codecs_for(om.media);
  std::vector<const Codec*> chosen;
  std::vector<std::uint8_t> pts;
  std::vector<std::uint8_t> seen;
  for (std::uint8_t pt : om.payload_types()) {
    // A format listed twice ("m=audio 9 RTP/AVP 0 0") is answered once:
    // two rtpmap lines for one payload type would make our answer invalid.
    if (std::find(seen.begin(), seen.end(), pt) != seen.end()) continue;
    seen.push_back(pt);
    auto r = om.rtpmap(pt);
    if (!r) continue;
    auto c = std::find_if(ours.begin(), ours.end(), [&](const Codec& x) { return x.same_format(*r); });
    if (c == ours.end()) continue;
    NegotiatedCodec nc{pt, c->encoding, c->clock_rate, c->channels ? c->channels : 1, c->fmtp, {}, {}};
    if (auto f = om.fmtp(std::to_string(pt))) nc.remote_fmtp = f->parameters;
    for (const RtcpFb& fb : om.rtcp_fbs(pt))
      if (contains(c->rtcp_fb, fb.feedback()) && !contains(nc.rtcp_fb, fb.feedback())) nc.rtcp_fb.push_back(fb.feedback());
    if (c->is_auxiliary()) {
      if (c->encoding != "telephone-event" || s.telephone_event) continue;
      s.telephone_event = nc;
    } else {
      s.codecs.push_back(nc);
    }
    chosen.push_back(&*c);
    pts.push_back(pt);
  }
  if (s.codecs.empty()) return reject(om.media + " m= line " + std::to_string(i) + ": no common codec", true);
  // SDES: the first offered line whose suite we use, one inline key, no session parameters.
  std::optional<Crypto> answer_crypto;
  if (om.is_secure()) {
    for (const Crypto& c : om.cryptos()) {
      if (!contains(config_.crypto_suites, c.suite) || key_problem(c)) continue;
      if (c.keys.size() != 1 || c.keys.front().method != "inline" || !c.session_params.empty()) continue;
      if (st.answer_suite != c.suite || st.answer_key.empty()) {
        st.answer_suite = c.suite;
        st.answer_key = new_key(c.suite);
      }
      answer_crypto = Crypto{c.tag, c.suite, {inline_key(st.answer_key)}, {}};
      s.srtp = SrtpKeys{c.tag, c.suite, st.answer_key, c.keys.front().key_salt, c.keys.front().mki_value, c.keys.front().mki_length};
      break;
    }
    if (!answer_crypto) return reject("no acceptable a=crypto line");
  }
  // Direction (§6.1): we send only if they receive, receive only if they send.
  const Direction offered = offer.direction_of(om);
  Direction wanted = wanted_direction(*id);
  const Connection* oc = offer.connection_for(om);
  const bool legacy_hold = oc && (oc->address == "0.0.0.0") && !offer.ice_ufrag_for(om);  // RFC 2543 hold
  s.direction = make_direction(receives(offered) && sends(wanted) && !legacy_hold, sends(offered) && receives(wanted));
  s.rtcp_mux = om.rtcp_mux() && config_.accept_rtcp_mux;
  const bool ice = config_.ice && offer.ice_ufrag_for(om).has_value();
  // The section.
  m.port = st.local.port;
  if (st.local.address && *st.local.address != config_.address) {
    Connection c;
    c.addrtype = st.local.address->is_v6() ? "IP6" : "IP4";
    c.address = st.local.address->to_string();
    m.connections.push_back(c);
  }
  if (s.mid) m.add("mid", *s.mid);
  for (std::size_t k = 0; k < pts.size(); ++k) {
    const Codec& c = *chosen[k];
    m.formats.push_back(std::to_string(pts[k]));
    Rtpmap r{pts[k], c.encoding, c.clock_rate, std::nullopt};
    if (c.channels != 0) r.channels = c.channels;
    m.add("rtpmap", to_value(r));
    if (!c.fmtp.empty()) m.add("fmtp", std::to_string(pts[k]) + " " + c.fmtp);
    for (const RtcpFb& fb : om.rtcp_fbs(pts[k]))
      if (contains(c.rtcp_fb, fb.feedback())) m.add("rtcp-fb", std::to_string(pts[k]) + " " + fb.feedback());
  }
  if (om.media == "audio" && config_.audio_ptime) {
    std::string v = std::to_string(*config_.audio_ptime);
    v.erase(v.find_last_not_of('0') + 1);
    if (v.back() == '.') v.pop_back();
    m.add("ptime", v);
  }
  if (!s.rtcp_mux) m.add("rtcp", std::to_string(st.local.rtcp_port ? st.local.rtcp_port : static_cast<std::uint16_t>(st.local.port + 1)));
  if (s.rtcp_mux) m.add("rtcp-mux");
  if (answer_crypto) m.add("crypto", to_value(*answer_crypto));
  m.set_direction(s.direction);
  if (ice) {
    for (const Candidate& c : st.local.candidates) m.add("candidate", to_value(c));
    if (st.local.end_of_candidates) m.add("end-of-candidates");
  }
  fill_transport(offer, om, s);
  s.remote_ptime = om.ptime();
  s.stream = id;
  s.accepted = true;
  used[*id] = true;
  out.streams.push_back(std::move(s));
  return m;
}

Result<SessionDescription, NegotiationError> Negotiator::create_answer(const SessionDescription& offer) {
  using C = NegotiationErrorCode;
  if (pending_) return unexpected(NegotiationError{C::offer_pending, "glare: our own offer is outstanding"});
  if (offer.media.size() < mlines_.size())
    return unexpected(NegotiationError{C::invalid_offer, "a re-offer must keep every m= line (RFC 3264 §8)"});
  for (std::size_t i = 0; i < mlines_.size(); ++i)
    if (offer.media[i].media != mlines_[i].media)
      return unexpected(NegotiationError{C::invalid_offer, "m= line " + std::to_string(i) + " changed from " + mlines_[i].media + " to " + offer.media[i].media});
  const auto bundle = offer.group("BUNDLE");
  const bool bundle_ok = bundle && config_.accept_bundle && config_.accept_rtcp_mux;
  const bool ice = config_.ice && std::any_of(offer.media.begin(), offer.media.end(), [&](const MediaDescription& m) { return offer.ice_ufrag_for(m).has_value(); });
  SessionDescription sd = skeleton(ice);
  Negotiated out;
  out.remote_version = offer.origin.session_version;
  out.remote_ice_lite = offer.ice_lite();
  std::vector<bool> used(streams_.size(), false);
  std::optional<std::string> codec_problem;
  std::string problems;
  bool all_removed = true;
  for (std::size_t i = 0; i < offer.media.size(); ++i) {
    if (offer.media[i].port != 0) all_removed = false;
    Rejection why;
    sd.media.push_back(answer_section(offer, i, used, out, bundle, why));
    if (why.no_codec && !codec_problem) codec_problem = why.reason;
    if (!why.reason.empty()) problems += (problems.empty() ? "" : "; ") + why.reason;
  }
  const bool any = std::any_of(out.streams.begin(), out.streams.end(), [](const NegotiatedStream& s) { return s.accepted; });
  if (!any && !all_removed) {
    if (codec_problem) return unexpected(NegotiationError{C::no_common_codec, *codec_problem});
    return unexpected(NegotiationError{C::no_acceptable_media, problems});
  }
  // RFC 9143 §7.3: the accepted bundled lines, the first of them tagged.
  if (bundle_ok) {
    Group g{"BUNDLE", {}};
    for (const std::string& mid : bundle->mids)
      for (std::size_t i = 0; i < out.streams.size(); ++i)
        if (out.streams[i].mid == mid && out.streams[i].accepted && out.streams[i].rtcp_mux) g.mids.push_back(mid);
    if (!g.mids.empty()) {
      std::size_t tagged = 0;
      while (out.streams[tagged].mid != g.mids.front()) ++tagged;
      out.bundle = true;
      out.bundle_mline = tagged;
      for (std::size_t i = 0; i < out.streams.size(); ++i) {
        NegotiatedStream& s = out.streams[i];
        if (!s.mid || !contains(g.mids, *s.mid)) continue;
        s.bundled = true;
        if (i == tagged) continue;
        MediaDescription& m = sd.media[i];
        m.port = 0;
        m.remove("candidate");
        m.remove("end-of-candidates");
        m.remove("rtcp");
        m.attributes.insert(m.attributes.begin() + 1, Attribute{"bundle-only", std::nullopt});
        fill_transport(offer, offer.media[tagged], s);
      }
      sd.attributes.insert(sd.attributes.begin(), Attribute{"group", to_value(g)});
    }
  }
  // Commit: the m= lines now mirror the offer.
  mlines_.resize(offer.media.size());
  for (std::size_t i = 0; i < offer.media.size(); ++i) {
    MLine& ml = mlines_[i];
    ml.media = offer.media[i].media;
    ml.proto = offer.media[i].proto;
    ml.mid = offer.media[i].mid().value_or("");
    ml.last_formats = sd.media[i].formats;
    if (out.streams[i].stream) {
      ml.stream = out.streams[i].stream;
      streams_[*ml.stream].mline = i;
    }
  }
  stamp_version(sd);
  negotiated_ = out;
  return sd;
}

}  // namespace confab::sdp
