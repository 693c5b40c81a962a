// Video: a VP8 frame per tick, packetized (RFC 7741), kept for NACKs;
// received packets reassembled, decoded into the sink, losses NACKed and
// a keyframe asked for (PLI) when a frame cannot be repaired.
#include "call/media_stream.hpp"
#include "rtp/packet.hpp"
#include "rtp/rtcp.hpp"

namespace confab::call {

void MediaPlane::video_tick(Instant now, Stream& s) {
  const int fps = options_.video_source ? std::max(1, options_.video_source->fps()) : 15;
  const Duration interval = std::chrono::duration_cast<Duration>(std::chrono::seconds(1)) / fps;
  if (now - *s.next_frame_at > 5 * interval) {  // a stall: skipped frames still advance the RTP clock
    const auto skipped = static_cast<std::uint32_t>((now - *s.next_frame_at) / interval);
    s.frames_made += skipped;
    *s.next_frame_at += skipped * interval;
  }
  if (*s.next_frame_at > now) return;
  *s.next_frame_at += interval;
  if (!s.vp8_encoder || !options_.video_source) {
    s.next_frame_at.reset();  // nothing to send, ever: no timer
    return;
  }
  if (!s.setup.send) return;  // on hold: the clock runs, nothing goes
  const std::uint32_t ts = s.ts_base + static_cast<std::uint32_t>(s.frames_made * (90000 / fps));
  ++s.frames_made;
  auto frames = s.vp8_encoder->encode(options_.video_source->next_frame());
  if (!frames) {
    ++s.decode_errors;
    return;
  }
  for (const auto& f : *frames) {
    auto payloads = s.packetizer->packetize(f.data);
    if (!payloads) continue;
    for (std::size_t i = 0; i < payloads->size(); ++i) {
      rtp::RtpHeader h;
      h.payload_type = s.setup.payload_type;
      h.sequence_number = s.seq++;
      h.timestamp = ts;
      h.ssrc = s.ssrc;
      h.marker = i + 1 == payloads->size();  // RFC 7741 §4.1: the last packet of the frame
      s.sent->on_packet_sent(now, ts, (*payloads)[i].size());
      send_rtp(now, s, rtp::serialize(h, (*payloads)[i]));
    }
  }
}

void MediaPlane::video_receive(Instant now, Stream& s, std::uint16_t seq, std::uint32_t ts, bool marker,
                               ByteView payload) {
  s.nacks->on_packet(now, seq);
  if (!s.depacketizer->handle_packet(seq, ts, marker, payload)) ++s.malformed;
  while (auto f = s.depacketizer->poll_frame()) {
    auto d = s.vp8_decoder->decode(f->data);
    if (!d) {
      ++s.decode_errors;
      continue;
    }
    if (*d) {
      ++s.frames_decoded;
      if (options_.video_sink) options_.video_sink->write(**d);
    }
  }
  if (auto why = s.depacketizer->poll_keyframe_request(); why && s.setup.pli && s.remote_ssrc) {
    // At most one PLI per 300 ms: a keyframe takes a round trip to come.
    if (!s.last_pli_sent || now - *s.last_pli_sent >= std::chrono::milliseconds(300)) {
      s.last_pli_sent = now;
      ++s.plis_sent;
      std::vector<rtp::RtcpPacket> pk{rtp::PictureLossIndication{s.ssrc, *s.remote_ssrc}};
      send_rtcp(s, rtp::serialize_rtcp(pk));
    }
  }
}

}  // namespace confab::call
