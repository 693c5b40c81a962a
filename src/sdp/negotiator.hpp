#pragma once
// RFC 3264 offer/answer, sans-I/O: one Negotiator per call (SIP dialog).
// It builds our offers and answers from local capabilities and streams,
// and turns the peer's answers and offers into what was agreed per stream
// (codec and payload type, remote RTP/RTCP addresses, ICE credentials and
// candidates, rtcp-mux / BUNDLE status, SRTP keys, direction). It keeps
// the o= line (session id, version) across re-offers, hold/resume, added
// and removed streams. No sockets, no clock; randomness (session id, ICE
// credentials, SRTP keys) comes from the injected Rng.
//
//   Negotiator n(config, rng);
//   auto audio = n.add_stream({.media = "audio", .port = 16384});
//   auto offer = n.create_offer();                 // INVITE body: serialize(*offer)
//   auto agreed = n.accept_answer(*parse(body));   // 200 OK body
//   n.hold(); auto reoffer = n.create_offer();     // re-INVITE, sendonly
//
// Answering: add the streams we can receive, then create_answer(offer);
// an error means answer the INVITE with error.sip_status() (488, 491...).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/address.hpp"
#include "core/bytes.hpp"
#include "core/result.hpp"
#include "core/rng.hpp"
#include "sdp/session.hpp"

namespace confab::sdp {

// One payload format we can send and receive.
struct Codec {
  std::uint8_t payload_type = 96;    // what we offer; in answers the offerer's PT is used
  std::string encoding;              // as in rtpmap: "opus", "VP8", "telephone-event", "PCMU"
  std::uint32_t clock_rate = 8000;
  std::uint32_t channels = 0;        // 0: not written (means 1)
  std::string fmtp;                  // our parameters: "minptime=10;useinbandfec=1"
  std::vector<std::string> rtcp_fb;  // "nack", "nack pli", "ccm fir", "goog-remb"
  // telephone-event, CN, red, ulpfec, rtx: carried along, never "the" codec.
  bool is_auxiliary() const;
  bool same_format(const Rtpmap& r) const;  // encoding (case-insensitive), clock rate, channels
};

// RFC 7587: Opus 48000/2, in-band FEC, 10 ms minimum.
Codec opus_codec(std::uint8_t pt = 111);
// RFC 4733 telephone events 0-16 at `clock_rate`.
Codec telephone_event_codec(std::uint8_t pt = 101, std::uint32_t clock_rate = 48000);
// RFC 7741: VP8/90000 with NACK, PLI, FIR and REMB feedback.
Codec vp8_codec(std::uint8_t pt = 96);
Codec pcmu_codec();  // PT 0
Codec pcma_codec();  // PT 8

struct IceCredentials {
  std::string ufrag;
  std::string pwd;
  bool operator==(const IceCredentials&) const = default;
};

enum class SrtpMode : std::uint8_t {
  off,       // offer RTP/AVP; answer plain offers only (secure m-lines are rejected)
  optional,  // offer RTP/AVP; answer SAVP offers with SDES and plain offers in plain
  required,  // offer RTP/SAVP with a=crypto; plain m-lines in offers are rejected
};

struct NegotiatorConfig {
  std::string username = "-";             // o= username
  std::string session_name = "confab";    // s=
  IpAddress address;                      // c= and o= address (the default candidate's, under ICE)
  std::vector<Codec> audio_codecs = {opus_codec(), telephone_event_codec()};
  std::vector<Codec> video_codecs = {vp8_codec()};
  std::optional<double> audio_ptime;      // a=ptime in audio sections when set
  bool offer_rtcp_mux = true;             // RFC 5761, offered as an option
  bool accept_rtcp_mux = true;
  bool offer_bundle = true;               // RFC 9143, offered as an option
  bool accept_bundle = true;
  bool offer_avpf = false;                // RTP/AVPF (RFC 4585) instead of RTP/AVP in offers
  SrtpMode srtp = SrtpMode::optional;
  std::vector<std::string> crypto_suites = {"AES_CM_128_HMAC_SHA1_80", "AES_CM_128_HMAC_SHA1_32"};
  bool ice = true;                        // ICE attributes (RFC 8839) in our descriptions
  std::optional<IceCredentials> ice_credentials;  // nullopt: random (8 + 24 ice-chars)
  std::vector<std::string> ice_options;   // e.g. {"trickle"}
  bool ice_lite = false;
};

using StreamId = std::size_t;

// One stream of ours: what it carries and where it arrives.
struct LocalStream {
  std::string media = "audio";      // "audio" or "video"
  std::uint16_t port = 0;           // RTP port (the default candidate's under ICE)
  std::uint16_t rtcp_port = 0;      // 0: port + 1 (RFC 3605 a=rtcp when it is not)
  std::optional<IpAddress> address;  // default: NegotiatorConfig::address
  Direction direction = Direction::sendrecv;  // what we want, before hold()
  std::vector<Candidate> candidates;
  bool end_of_candidates = false;
};

struct NegotiatedCodec {
  std::uint8_t payload_type = 0;  // the agreed PT (the offerer's)
  std::string encoding;
  std::uint32_t clock_rate = 0;
  std::uint32_t channels = 1;
  std::string local_fmtp;          // our parameters for it
  std::string remote_fmtp;         // the peer's (what it wants to receive)
  std::vector<std::string> rtcp_fb;  // feedback both sides listed
};

struct SrtpKeys {
  std::uint32_t tag = 0;
  std::string suite;
  Bytes local_key_salt;   // we protect what we send with it
  Bytes remote_key_salt;  // the peer's: we unprotect what we receive with it
  std::optional<std::uint64_t> remote_mki;
  std::optional<std::uint8_t> remote_mki_length;
};

struct NegotiatedStream {
  std::size_t mline = 0;            // index of the m= section
  std::optional<StreamId> stream;   // ours, when we have one on it
  std::string media;
  std::string proto;
  bool accepted = false;            // false: rejected or removed (port 0), nothing flows
  Direction direction = Direction::inactive;  // ours: sendonly means we send and do not receive
  bool send() const { return accepted && sends(direction); }
  bool recv() const { return accepted && receives(direction); }
  std::vector<NegotiatedCodec> codecs;  // common codecs; the first is the one to send
  std::optional<NegotiatedCodec> telephone_event;
  std::string remote_address;       // c= of the section (or the session)
  std::uint16_t remote_rtp_port = 0;
  std::string remote_rtcp_address;
  std::uint16_t remote_rtcp_port = 0;  // = RTP port under rtcp-mux
  bool rtcp_mux = false;
  bool bundled = false;             // media goes over the BUNDLE transport (Negotiated::bundle_mline)
  std::optional<std::string> mid;
  std::optional<IceCredentials> remote_ice;
  std::vector<Candidate> remote_candidates;
  bool remote_end_of_candidates = false;
  std::optional<SrtpKeys> srtp;
  std::optional<double> remote_ptime;
  // remote RTP address as a socket address, when it is an IP literal
  std::optional<SocketAddress> remote_rtp() const;
  std::optional<SocketAddress> remote_rtcp() const;
};

struct Negotiated {
  std::vector<NegotiatedStream> streams;     // one per m= line, in order
  bool bundle = false;                       // BUNDLE agreed
  std::optional<std::size_t> bundle_mline;   // the m= section whose transport the bundle uses
  bool remote_ice_lite = false;
  std::uint64_t remote_version = 0;          // the peer's o= sess-version
  const NegotiatedStream* find(StreamId id) const;
};

enum class NegotiationErrorCode : std::uint8_t {
  no_common_codec,     // 488: no offered stream has a codec we support
  no_acceptable_media,  // 488: every stream unusable (media type, proto, SRTP policy)
  invalid_offer,       // 488: fewer m-lines than before, a changed media type in a re-offer...
  offer_pending,       // 491: an offer arrived while ours is outstanding (glare)
  no_offer_pending,    // an answer without an offer of ours
  answer_mismatch,     // the answer does not fit our offer (m-line count or types, PTs, crypto)
};
const char* to_string(NegotiationErrorCode c);

struct NegotiationError {
  NegotiationErrorCode code = NegotiationErrorCode::no_common_codec;
  std::string detail;
  int sip_status() const;  // 488, 491, 400 (answer problems: the caller ends the call)
  std::string message() const;
};

class Negotiator {
 public:
  Negotiator(NegotiatorConfig config, Rng& rng);

  // --- local streams --------------------------------------------------------
  StreamId add_stream(LocalStream s);   // offered in the next offer; matched by media type in answers
  void remove_stream(StreamId id);      // port 0 in the next offer (its m= line stays, RFC 3264 §8.2)
  LocalStream& stream(StreamId id) { return streams_.at(id).local; }
  void hold() { on_hold_ = true; }      // RFC 3264 §8.4: sendonly (inactive if we only received)
  void resume() { on_hold_ = false; }
  bool on_hold() const { return on_hold_; }
  void restart_ice();                   // new ufrag/pwd in the next description (RFC 8839 §4.4.1.1.1)
  const IceCredentials& local_ice() const { return ice_; }

  // --- offer/answer -----------------------------------------------------------
  // Our offer (initial or re-offer). Error offer_pending while one is outstanding.
  Result<SessionDescription, NegotiationError> create_offer();
  // The peer's answer to our outstanding offer.
  Result<Negotiated, NegotiationError> accept_answer(const SessionDescription& answer);
  // Our offer was refused (a non-2xx to the INVITE): the previous agreement stands.
  void cancel_offer();
  // Answer the peer's offer (initial or re-offer). On error nothing changes:
  // answer the INVITE with error.sip_status().
  Result<SessionDescription, NegotiationError> create_answer(const SessionDescription& offer);

  bool offer_pending() const { return pending_.has_value(); }
  const std::optional<Negotiated>& negotiated() const { return negotiated_; }
  const Origin& origin() const { return origin_; }

 private:
  struct Stream {
    LocalStream local;
    bool removed = false;
    std::optional<std::size_t> mline;  // once it has an m= line
    std::vector<Crypto> offered_crypto;  // our keys, kept across re-offers
    Bytes answer_key;                    // our key when we answered (per suite change regenerated)
    std::string answer_suite;
  };
  struct MLine {
    std::string media;
    std::string proto;
    std::optional<StreamId> stream;
    std::string mid;
    std::vector<std::string> last_formats;  // for a port-0 line
  };

  // offer.cpp
  MediaDescription offer_section(std::size_t index);
  void add_codecs(MediaDescription& m, const std::vector<Codec>& codecs) const;
  Bytes new_key(const std::string& suite);
  // answer.cpp
  struct Rejection {
    std::string reason;     // empty: accepted
    bool no_codec = false;  // rejected for want of a common codec
  };
  MediaDescription answer_section(const SessionDescription& offer, std::size_t i, std::vector<bool>& used,
                                  Negotiated& out, const std::optional<Group>& bundle, Rejection& why);
  // negotiator.cpp
  SessionDescription skeleton(bool with_ice);
  void stamp_version(SessionDescription& sd);
  const std::vector<Codec>& codecs_for(const std::string& media) const;
  void fill_transport(const SessionDescription& remote, const MediaDescription& m, NegotiatedStream& s) const;
  Direction wanted_direction(StreamId id) const;

  NegotiatorConfig config_;
  Rng& rng_;
  Origin origin_;
  IceCredentials ice_;
  std::vector<Stream> streams_;
  std::vector<MLine> mlines_;
  bool on_hold_ = false;
  std::optional<SessionDescription> pending_;   // our outstanding offer
  std::optional<SessionDescription> last_sent_;  // for the version rule
  std::optional<Negotiated> negotiated_;
};

}  // namespace confab::sdp
