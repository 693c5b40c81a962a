#pragma once
// The RTP side of a call, sans-I/O: for each negotiated stream an outbound
// half (source → encoder → RTP → SRTP → the selected pair) and an inbound
// half (SRTP → RTP → statistics → jitter buffer or depacketizer → decoder
// → sink), RTCP reports both ways (RFC 3550), NACK and PLI for video
// (RFC 4585), and a simple bandwidth adaptation driven by the peer's loss
// and RTT reports. CallMedia owns it and gives it paths from ICE.
#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "call/sources.hpp"
#include "core/address.hpp"
#include "core/bytes.hpp"
#include "core/rng.hpp"
#include "core/time.hpp"
#include "core/transmit.hpp"
#include "sdp/negotiator.hpp"

namespace confab::call {

struct MediaOptions {
  std::shared_ptr<AudioSource> audio_source;  // none: silence is sent
  std::shared_ptr<AudioSink> audio_sink;      // none: decoded, not kept
  std::shared_ptr<VideoSource> video_source;  // none: no video offered
  std::shared_ptr<VideoSink> video_sink;
  int audio_bitrate = 32000;      // Opus, bit/s
  int video_bitrate_kbps = 400;   // VP8 start and ceiling
  int video_min_bitrate_kbps = 100;
  std::string cname = "confab";   // RTCP SDES CNAME
  // The wall-clock time when the first stream is added: RTCP's NTP
  // timestamps run from it on the steady clock (the caller reads the clock).
  std::chrono::system_clock::time_point wall_clock_at_start{};
};

// One negotiated stream as the plane needs it.
struct StreamSetup {
  std::string media;      // "audio" / "video"
  std::string transport;  // the transport it rides on ("audio" when bundled)
  bool send = true;
  bool recv = true;
  std::uint8_t payload_type = 0;
  std::string encoding;
  std::uint32_t clock_rate = 0;
  std::uint32_t channels = 1;
  std::string remote_fmtp;
  bool nack = false;
  bool pli = false;
  std::optional<sdp::SrtpKeys> srtp;
};

// What the end-of-call report shows for one stream.
struct StreamReport {
  std::string media;
  std::string codec;  // "opus/48000", "VP8/90000"
  bool srtp = false;
  std::uint64_t packets_sent = 0, bytes_sent = 0;
  std::uint64_t packets_received = 0, bytes_received = 0;
  std::int64_t packets_lost = 0;        // by our receive statistics (RFC 3550 A.3)
  double loss_percent = 0;              // of those expected
  std::optional<double> remote_loss_percent;  // what the peer reported about our stream
  double jitter_ms = 0;                 // interarrival jitter of what we received
  std::optional<double> rtt_ms;         // from the peer's reports (LSR/DLSR)
  double send_kbps = 0, receive_kbps = 0;
  std::uint64_t nacks_sent = 0, retransmitted = 0, plis_sent = 0, plis_received = 0;
  std::uint64_t frames_played = 0, frames_concealed = 0;  // audio: 20 ms frames; video: decoded pictures
  std::uint64_t decode_errors = 0, srtp_failures = 0, malformed = 0;
  int current_bitrate_kbps = 0;
};

class MediaPlane {
 public:
  MediaPlane(MediaOptions options, Rng& rng);
  ~MediaPlane();
  MediaPlane(const MediaPlane&) = delete;
  MediaPlane& operator=(const MediaPlane&) = delete;

  // A negotiated stream; an error (a codec we cannot run, bad keys) fails the call.
  std::optional<std::string> add_stream(Instant now, const StreamSetup& setup);
  // ICE selected (or changed) the pair of a transport's component.
  void set_path(Instant now, const std::string& transport, std::uint16_t component, const SocketAddress& local,
                const SocketAddress& remote);
  // A re-negotiation (hold/resume): whether the stream sends and receives.
  // RTCP goes on either way (RFC 3264 §8.4).
  void set_direction(const std::string& media, bool send, bool recv);
  // Consent was lost (RFC 7675): nothing more is sent on that transport.
  void stop_sending(const std::string& transport);
  // A datagram that is not STUN arrived on a transport's socket.
  void handle_packet(Instant now, const std::string& transport, const Datagram& d);
  void handle_timeout(Instant now);
  std::optional<Transmit> poll_transmit();
  std::optional<Instant> poll_timeout() const;
  // RTCP BYE on every stream; sinks closed (their errors are returned).
  std::vector<std::string> close(Instant now);

  std::optional<Instant> first_packet_at() const { return first_packet_at_; }
  std::vector<StreamReport> report(Instant now) const;

 private:
  struct Stream;
  struct Path {
    std::optional<std::pair<SocketAddress, SocketAddress>> rtp, rtcp;  // (local, remote)
    bool stopped = false;
  };
  Stream* stream_for_rtp(const std::string& transport, std::uint8_t pt);
  void send_rtp(Instant now, Stream& s, Bytes packet, bool retransmission = false);
  void send_rtcp(Stream& s, Bytes compound);
  void audio_tick(Instant now, Stream& s);
  void audio_playout(Instant now, Stream& s);
  void video_tick(Instant now, Stream& s);
  void video_receive(Instant now, Stream& s, std::uint16_t seq, std::uint32_t ts, bool marker, ByteView payload);
  void rtcp_tick(Instant now, Stream& s, bool bye = false);
  void handle_rtcp(Instant now, const std::string& transport, Bytes packet);
  void adapt_bitrate(Instant now, Stream& s, double loss_fraction, std::optional<Duration> rtt);

  MediaOptions options_;
  Rng& rng_;
  std::vector<std::unique_ptr<Stream>> streams_;
  std::map<std::string, Path> paths_;
  std::deque<Transmit> outbox_;
  std::optional<Instant> first_packet_at_;
  Instant started_{};
  std::chrono::system_clock::time_point wall_at_start_{};  // NTP time = this + (now - started_)
};

}  // namespace confab::call
