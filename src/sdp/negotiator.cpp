// Negotiator: construction, local streams, codecs, the o= version rule,
// and the pieces offers and answers share (transport of a remote section).
#include "sdp/negotiator.hpp"

#include <algorithm>

#include "sdp/lex.hpp"

namespace confab::sdp {
namespace {

std::string ice_string(Rng& rng, std::size_t n) {
  static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  Bytes b(n);
  rng.fill(b);
  std::string out;
  for (std::uint8_t x : b) out += alphabet[x & 63];
  return out;
}

}  // namespace

// --- codecs --------------------------------------------------------------------

bool Codec::is_auxiliary() const {
  for (const char* aux : {"telephone-event", "CN", "red", "ulpfec", "flexfec-03", "rtx"})
    if (lex::iequals(encoding, aux)) return true;
  return false;
}

bool Codec::same_format(const Rtpmap& r) const {
  return lex::iequals(encoding, r.encoding) && clock_rate == r.clock_rate && (channels == 0 ? 1 : channels) == r.channel_count();
}

Codec opus_codec(std::uint8_t pt) { return Codec{pt, "opus", 48000, 2, "minptime=10;useinbandfec=1", {}}; }
Codec telephone_event_codec(std::uint8_t pt, std::uint32_t clock_rate) {
  return Codec{pt, "telephone-event", clock_rate, 0, "0-16", {}};
}
Codec vp8_codec(std::uint8_t pt) { return Codec{pt, "VP8", 90000, 0, {}, {"goog-remb", "ccm fir", "nack", "nack pli"}}; }
Codec pcmu_codec() { return Codec{0, "PCMU", 8000, 0, {}, {}}; }
Codec pcma_codec() { return Codec{8, "PCMA", 8000, 0, {}, {}}; }

// --- results and errors ------------------------------------------------------------

std::optional<SocketAddress> NegotiatedStream::remote_rtp() const {
  auto ip = IpAddress::parse(remote_address);
  if (!ip) return std::nullopt;
  return SocketAddress{*ip, remote_rtp_port};
}

std::optional<SocketAddress> NegotiatedStream::remote_rtcp() const {
  auto ip = IpAddress::parse(remote_rtcp_address);
  if (!ip) return std::nullopt;
  return SocketAddress{*ip, remote_rtcp_port};
}

const NegotiatedStream* Negotiated::find(StreamId id) const {
  for (const auto& s : streams)
    if (s.stream == id) return &s;
  return nullptr;
}

const char* to_string(NegotiationErrorCode c) {
  using C = NegotiationErrorCode;
  switch (c) {
    case C::no_common_codec: return "no common codec";
    case C::no_acceptable_media: return "no acceptable media stream";
    case C::invalid_offer: return "invalid offer";
    case C::offer_pending: return "an offer of ours is outstanding";
    case C::no_offer_pending: return "no offer of ours is outstanding";
    case C::answer_mismatch: return "answer does not match our offer";
  }
  return "negotiation error";
}

int NegotiationError::sip_status() const {
  using C = NegotiationErrorCode;
  switch (code) {
    case C::no_common_codec:
    case C::no_acceptable_media:
    case C::invalid_offer: return 488;  // Not Acceptable Here (RFC 3261 §21.4.26)
    case C::offer_pending: return 491;  // Request Pending (RFC 3261 §14.2)
    case C::no_offer_pending:
    case C::answer_mismatch: return 0;  // no response carries it: ACK, then BYE
  }
  return 488;
}

std::string NegotiationError::message() const {
  std::string out = "SDP negotiation: ";
  out += to_string(code);
  if (!detail.empty()) out += ": " + detail;
  return out;
}

// --- the negotiator ---------------------------------------------------------------------

Negotiator::Negotiator(NegotiatorConfig config, Rng& rng) : config_(std::move(config)), rng_(rng) {
  origin_.username = config_.username;
  origin_.session_id = std::to_string(rng_.next_u64() >> 2);  // 62 bits: fits NTP-style ids everywhere
  origin_.session_version = 1;
  origin_.addrtype = config_.address.is_v6() ? "IP6" : "IP4";
  origin_.address = config_.address.to_string();
  if (config_.ice_credentials) {
    ice_ = *config_.ice_credentials;
  } else {
    restart_ice();
  }
}

void Negotiator::restart_ice() {
  ice_.ufrag = ice_string(rng_, 8);   // 48 bits (RFC 8839 §5.4 asks for 24)
  ice_.pwd = ice_string(rng_, 24);    // 144 bits (at least 128)
}

StreamId Negotiator::add_stream(LocalStream s) {
  Stream st;
  st.local = std::move(s);
  streams_.push_back(std::move(st));
  return streams_.size() - 1;
}

void Negotiator::remove_stream(StreamId id) { streams_.at(id).removed = true; }

void Negotiator::cancel_offer() { pending_.reset(); }

const std::vector<Codec>& Negotiator::codecs_for(const std::string& media) const {
  static const std::vector<Codec> none;
  if (media == "audio") return config_.audio_codecs;
  if (media == "video") return config_.video_codecs;
  return none;
}

SessionDescription Negotiator::skeleton(bool with_ice) {
  SessionDescription sd;
  sd.origin = origin_;
  sd.name = config_.session_name.empty() ? "-" : config_.session_name;
  Connection c;
  c.addrtype = config_.address.is_v6() ? "IP6" : "IP4";
  c.address = config_.address.to_string();
  sd.connection = c;
  if (with_ice) {
    if (config_.ice_lite) sd.add("ice-lite");
    if (!config_.ice_options.empty()) {
      std::string v;
      for (const auto& o : config_.ice_options) v += (v.empty() ? "" : " ") + o;
      sd.add("ice-options", v);
    }
    sd.add("ice-ufrag", ice_.ufrag);
    sd.add("ice-pwd", ice_.pwd);
  }
  return sd;
}

// RFC 3264 §8: the version goes up by one whenever the description changes,
// and only then (a refresh re-INVITE repeats the same version).
void Negotiator::stamp_version(SessionDescription& sd) {
  sd.origin.session_version = origin_.session_version;
  if (last_sent_ && !(*last_sent_ == sd)) sd.origin.session_version = ++origin_.session_version;
  last_sent_ = sd;
}

// RFC 3264 §8.4: on hold, a stream stops receiving: sendrecv becomes
// sendonly, recvonly becomes inactive.
Direction Negotiator::wanted_direction(StreamId id) const {
  const Direction d = streams_.at(id).local.direction;
  return on_hold_ ? make_direction(sends(d), false) : d;
}

void Negotiator::fill_transport(const SessionDescription& remote, const MediaDescription& m, NegotiatedStream& s) const {
  if (const Connection* c = remote.connection_for(m)) s.remote_address = c->address;
  s.remote_rtp_port = m.port;
  s.remote_rtcp_address = s.remote_address;
  if (s.rtcp_mux) {
    s.remote_rtcp_port = m.port;
  } else if (auto r = m.rtcp()) {
    s.remote_rtcp_port = r->port;
    if (!r->address.empty()) s.remote_rtcp_address = r->address;
  } else {
    s.remote_rtcp_port = static_cast<std::uint16_t>(m.port + 1);
  }
  auto ufrag = remote.ice_ufrag_for(m);
  auto pwd = remote.ice_pwd_for(m);
  if (ufrag && pwd) s.remote_ice = IceCredentials{*ufrag, *pwd};
  s.remote_candidates = m.candidates();
  s.remote_end_of_candidates = m.end_of_candidates() || remote.has("end-of-candidates");
}

Bytes Negotiator::new_key(const std::string& suite) {
  auto info = crypto_suite(suite);
  Bytes key(info ? info->key_length + info->salt_length : 30);
  rng_.fill(key);
  return key;
}

void Negotiator::add_codecs(MediaDescription& m, const std::vector<Codec>& codecs) const {
  for (const Codec& c : codecs) {
    m.formats.push_back(std::to_string(c.payload_type));
    Rtpmap r{c.payload_type, c.encoding, c.clock_rate, std::nullopt};
    if (c.channels != 0) r.channels = c.channels;
    m.add("rtpmap", to_value(r));
    if (!c.fmtp.empty()) m.add("fmtp", std::to_string(c.payload_type) + " " + c.fmtp);
    for (const auto& fb : c.rtcp_fb) m.add("rtcp-fb", std::to_string(c.payload_type) + " " + fb);
  }
}

}  // namespace confab::sdp
