// Audio: a 20 ms Opus frame out per tick; the jitter buffer's frames (or
// concealment for the missing ones) decoded into the sink.
#include <variant>

#include "call/media_stream.hpp"
#include "rtp/packet.hpp"

namespace confab::call {

namespace {
constexpr Duration frame_duration = std::chrono::milliseconds(20);
}

void MediaPlane::audio_tick(Instant now, Stream& s) {
  // Catch up after a stall (a suspended or starved process), but never
  // burst more than 5 frames: the receiver would only count them late. The
  // frames skipped still advance the RTP clock, which must follow real
  // time (the receiver plays out by it): they become a gap it conceals.
  if (now - *s.next_frame_at > 5 * frame_duration) {
    const auto skipped = static_cast<std::uint32_t>((now - *s.next_frame_at) / frame_duration);
    s.frames_made += skipped;
    *s.next_frame_at += skipped * frame_duration;
  }
  while (*s.next_frame_at <= now) {
    *s.next_frame_at += frame_duration;
    std::vector<std::int16_t> pcm = options_.audio_source ? options_.audio_source->next_frame()
                                                          : std::vector<std::int16_t>(960, 0);
    const std::uint32_t ts = s.ts_base + s.frames_made * 960;
    ++s.frames_made;
    if (!s.setup.send) continue;
    auto encoded = s.opus_encoder->encode(pcm);
    if (!encoded) {
      ++s.decode_errors;
      continue;
    }
    rtp::RtpHeader h;
    h.payload_type = s.setup.payload_type;
    h.sequence_number = s.seq++;
    h.timestamp = ts;
    h.ssrc = s.ssrc;
    h.marker = s.frames_made == 1;  // the first packet of a talkspurt (RFC 3551 §4.1)
    s.sent->on_packet_sent(now, ts, encoded->size());
    send_rtp(now, s, rtp::serialize(h, *encoded));
  }
}

void MediaPlane::audio_playout(Instant now, Stream& s) {
  for (int guard = 0; guard < 50; ++guard) {
    auto out = s.jitter->pop(now);
    std::optional<std::vector<std::int16_t>> pcm;
    if (auto* f = std::get_if<rtp::AudioFrame>(&out)) {
      auto d = s.opus_decoder->decode(f->payload);
      if (d) {
        pcm = std::move(*d);
      } else {
        ++s.decode_errors;
        if (auto c = s.opus_decoder->conceal()) pcm = std::move(*c);
      }
      ++s.frames_played;
    } else if (std::holds_alternative<rtp::MissingFrame>(out)) {
      if (auto c = s.opus_decoder->conceal()) pcm = std::move(*c);
      ++s.frames_concealed;
    } else {
      return;  // nothing due
    }
    if (pcm && options_.audio_sink) options_.audio_sink->write(*pcm);
  }
}

}  // namespace confab::call
