#pragma once
// The media side of one call, sans-I/O: our SDP offer or answer, one ICE
// agent per transport, and the RTP streams that run over the selected pairs.
//
//   CallMedia m(config, rng, now);          // offerer: agents start gathering
//   ... drive until m.ready() ...           // host + srflx candidates gathered
//   sip.call(target, m.create_offer());     // INVITE body
//   m.accept_answer(now, ok_body);          // 200 OK body: checks run, media follows
//
//   CallMedia m(config /*offerer=false*/, rng, now);
//   m.receive_offer(now, invite_body);      // agents sized by the offer (rtcp-mux, BUNDLE)
//   ... drive until m.ready() ...
//   sip.answer(*m.create_answer(now));
//
// Drive it like every machine here: handle_datagram / handle_timeout in,
// poll_transmit / poll_event out, sleep until poll_timeout. The I/O layer
// binds the sockets (from the 16384–16403 range) and names them in
// CallMediaConfig; every Transmit says which one to send from.
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "call/media_plane.hpp"
#include "core/result.hpp"
#include "core/rng.hpp"
#include "core/time.hpp"
#include "core/transmit.hpp"
#include "ice/agent.hpp"
#include "sdp/negotiator.hpp"

namespace confab::call {

// The sockets of one stream, one per usable interface (the preferred first).
struct StreamSockets {
  std::vector<SocketAddress> rtp;   // component 1
  std::vector<SocketAddress> rtcp;  // component 2; empty: rtcp-mux only
};

struct CallMediaConfig {
  bool offerer = true;  // the offerer is the controlling ICE agent (RFC 8839)
  StreamSockets audio;
  std::optional<StreamSockets> video;  // none: an audio call
  std::vector<SocketAddress> stun_servers;  // confabd's reflector (5678): srflx candidates
  sdp::SrtpMode srtp = sdp::SrtpMode::optional;
  bool offer_rtcp_mux = true;
  bool offer_bundle = true;
  ice::IceConfig ice;  // timers and limits; role, components, addresses and credentials are set here
  MediaOptions media;  // sources, sinks, bitrates
};

// Why a description was refused: the SIP status to answer with (488 Not
// Acceptable Here, 400 for a broken answer) and a sentence for the user.
struct CallError {
  int sip_status = 488;
  std::string message;
};

enum class CallMediaState : std::uint8_t {
  gathering,    // candidates still being gathered: no offer/answer yet
  ready,        // an offer or answer can be made
  negotiated,   // offer/answer done: checks running
  connected,    // every transport in use has a selected pair: media flows
  failed,       // ICE found no path, or the peer's description was unusable
  closed,
};
const char* to_string(CallMediaState s);

struct MediaEvent {
  enum class Kind : std::uint8_t {
    ready,          // create_offer() / create_answer() may be called
    connected,      // ICE selected pairs (detail: the audio pair)
    first_media,    // the first RTP packet arrived (time from the answer in `after`)
    disconnected,   // consent lost (RFC 7675): nothing is sent any more
    failed,         // detail says why (no path, a relay is needed...)
  } kind = Kind::ready;
  std::string detail;
  Duration after{};
};

// What the end-of-call report shows about the path.
struct PathInfo {
  std::string media;  // "audio" / "video"
  std::optional<ice::SelectedPair> pair;
  bool bundled = false;  // rides on the audio transport
  bool rtcp_mux = false;
};

class CallMedia {
 public:
  CallMedia(CallMediaConfig config, Rng& rng, Instant now);
  ~CallMedia();
  CallMedia(const CallMedia&) = delete;
  CallMedia& operator=(const CallMedia&) = delete;

  // --- offer/answer ---------------------------------------------------------
  bool ready() const { return state_ != CallMediaState::gathering; }
  Result<std::string, CallError> create_offer(Instant now);
  std::optional<CallError> accept_answer(Instant now, std::string_view answer);
  // Answerer: the INVITE's offer; an error is what to answer the INVITE with.
  std::optional<CallError> receive_offer(Instant now, std::string_view offer);
  Result<std::string, CallError> create_answer(Instant now);
  // Once established: a re-offer for a re-INVITE, putting the call on hold
  // (RFC 3264 §8.4: sendonly, or inactive if the peer holds us too) or
  // taking it off; its answer goes to accept_answer(), a refusal to
  // cancel_reoffer(). The peer's re-offers go to receive_offer() and
  // create_answer() as the first one did. ICE keeps its pairs (no restart).
  Result<std::string, CallError> create_reoffer(Instant now, bool hold);
  void cancel_reoffer() { negotiator_.cancel_offer(); }
  bool on_hold() const { return negotiator_.on_hold(); }

  // --- I/O ------------------------------------------------------------------
  void handle_datagram(Instant now, const Datagram& d);
  void handle_timeout(Instant now);
  std::optional<Transmit> poll_transmit();
  std::optional<Instant> poll_timeout() const;
  std::optional<MediaEvent> poll_event();
  // RTCP BYE on every stream, agents closed.
  void close(Instant now);
  // The caller's media timer ran out before ICE connected: fail now with
  // the reason the candidates show, rather than after ICE's own 40 s.
  void give_up(Instant now);

  // --- state ----------------------------------------------------------------
  CallMediaState state() const { return state_; }
  // What it came to before close(): connected, failed... (for the report).
  CallMediaState outcome() const { return state_ == CallMediaState::closed ? before_close_ : state_; }
  std::vector<PathInfo> paths() const;
  const MediaPlane& plane() const { return *plane_; }
  // What the last offer/answer agreed (nothing before the first).
  const std::optional<sdp::Negotiated>& negotiated() const { return negotiator_.negotiated(); }

 private:
  struct Transport {
    std::string media;
    std::unique_ptr<ice::IceAgent> agent;
    bool in_use = true;         // false: bundled away or rejected
    bool connected = false;
    bool selected[2] = {false, false};  // per component: ICE selected a pair
    std::optional<std::pair<SocketAddress, SocketAddress>> provisional[2];  // best valid pair meanwhile
  };
  void use_valid_pairs(Instant now, Transport& t);

  void make_transport(Instant now, const std::string& media, const StreamSockets& sockets, std::uint16_t components);
  void add_local_streams();
  void apply(Instant now, const sdp::Negotiated& n);
  void apply_update(const sdp::Negotiated& n);  // a re-negotiation: directions
  void check_ready();
  void update_state(Instant now);
  Transport* transport_for(const std::string& media);
  void fail(std::string why);
  std::string failure_reason() const;

  CallMediaConfig config_;
  Rng& rng_;
  sdp::Negotiator negotiator_;
  std::vector<Transport> transports_;
  std::vector<sdp::StreamId> stream_ids_;  // in transports_ order, once added
  std::optional<sdp::SessionDescription> remote_offer_;
  std::unique_ptr<MediaPlane> plane_;
  CallMediaState state_ = CallMediaState::gathering;
  CallMediaState before_close_ = CallMediaState::gathering;
  std::optional<Instant> negotiated_at_;
  bool established_ = false;  // the first offer/answer is done
  bool first_media_reported_ = false;
  std::deque<MediaEvent> events_;
};

}  // namespace confab::call
