#pragma once
// MediaPlane's per-stream state (private to media_plane*.cpp).
#include <optional>

#include "call/media_plane.hpp"
#include "media/opus_codec.hpp"
#include "media/vp8_codec.hpp"
#include "media/vp8_payload.hpp"
#include "rtp/jitter_buffer.hpp"
#include "rtp/nack.hpp"
#include "rtp/receive_stats.hpp"
#include "rtp/rtcp_interval.hpp"
#include "rtp/send_stats.hpp"
#include "rtp/srtp.hpp"

namespace confab::call {

struct MediaPlane::Stream {
  StreamSetup setup;
  bool audio() const { return setup.media == "audio"; }

  // outbound
  std::uint32_t ssrc = 0;
  std::uint16_t seq = 0;
  std::uint32_t ts_base = 0;
  std::optional<rtp::SendStatistics> sent;
  std::uint64_t bytes_sent = 0, packets_sent = 0;
  std::optional<Instant> first_sent, next_frame_at;
  std::uint32_t frames_made = 0;
  // inbound
  std::optional<std::uint32_t> remote_ssrc;
  std::optional<rtp::ReceiveStatistics> received;
  std::uint64_t bytes_received = 0;
  std::optional<Instant> first_received, last_received;
  // both
  std::optional<rtp::SrtpSession> srtp;
  std::optional<rtp::RtcpSchedule> rtcp;
  std::optional<Duration> rtt, min_rtt;
  std::optional<double> remote_loss;  // 0..1, the peer's last report about us
  std::uint64_t srtp_failures = 0, malformed = 0, decode_errors = 0;

  // audio
  std::optional<media::OpusEncoder> opus_encoder;
  std::optional<media::OpusDecoder> opus_decoder;
  std::optional<rtp::JitterBuffer> jitter;
  std::uint64_t frames_played = 0, frames_concealed = 0;

  // video
  std::optional<media::Vp8Encoder> vp8_encoder;
  std::optional<media::Vp8Decoder> vp8_decoder;
  std::optional<media::Vp8Packetizer> packetizer;
  std::optional<media::Vp8Depacketizer> depacketizer;
  std::optional<rtp::NackGenerator> nacks;
  std::optional<rtp::RetransmissionBuffer> retransmissions;
  std::optional<Instant> last_pli_sent;
  std::uint64_t nacks_sent = 0, retransmitted = 0, plis_sent = 0, plis_received = 0, frames_decoded = 0;
  int bitrate_kbps = 0;
  std::optional<Instant> last_adapted;
  std::uint64_t sent_at_adaptation = 0, retransmitted_at_adaptation = 0;
};

}  // namespace confab::call
