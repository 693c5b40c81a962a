// MediaPlane: streams, paths, the packet demultiplexer and the timers.
#include "call/media_plane.hpp"

#include <algorithm>

#include "call/media_stream.hpp"
#include "core/text.hpp"
#include "rtp/packet.hpp"
#include "rtp/rtcp.hpp"

namespace confab::call {

MediaPlane::MediaPlane(MediaOptions options, Rng& rng) : options_(std::move(options)), rng_(rng) {}
MediaPlane::~MediaPlane() = default;

std::optional<std::string> MediaPlane::add_stream(Instant now, const StreamSetup& setup) {
  if (streams_.empty()) started_ = now, wall_at_start_ = options_.wall_clock_at_start;
  auto s = std::make_unique<Stream>();
  s->setup = setup;
  s->ssrc = rng_.next_u32();
  s->seq = static_cast<std::uint16_t>(rng_.next_u32());
  s->ts_base = rng_.next_u32();
  const std::string enc = ascii_lower(setup.encoding);
  if (setup.media == "audio") {
    if (enc != "opus") return "audio codec " + setup.encoding + " is not supported (Opus only)";
    media::OpusEncoderConfig oc;
    oc.bitrate = options_.audio_bitrate;
    oc.inband_fec = true;
    auto e = media::OpusEncoder::create(oc);
    if (!e) return "Opus encoder: " + e.error().message;
    s->opus_encoder.emplace(std::move(*e));
    auto d = media::OpusDecoder::create(1);
    if (!d) return "Opus decoder: " + d.error().message;
    s->opus_decoder.emplace(std::move(*d));
    // 40 ms at least: a busy sender (or a busy receiver) delivers 20 ms
    // frames in pairs, and a 20 ms buffer would conceal every other one
    // until the jitter estimate caught up.
    rtp::JitterBufferConfig jb;
    jb.min_delay = std::chrono::milliseconds(40);
    s->jitter.emplace(jb);
    s->sent.emplace(s->ssrc, 48000);
  } else if (setup.media == "video") {
    if (enc != "vp8") return "video codec " + setup.encoding + " is not supported (VP8 only)";
    if (options_.video_source && setup.send) {
      media::Vp8EncoderConfig vc;
      vc.width = options_.video_source->width();
      vc.height = options_.video_source->height();
      vc.fps = options_.video_source->fps();
      vc.bitrate_kbps = options_.video_bitrate_kbps;
      auto e = media::Vp8Encoder::create(vc);
      if (!e) return "VP8 encoder: " + e.error().message;
      s->vp8_encoder.emplace(std::move(*e));
    }
    auto d = media::Vp8Decoder::create();
    if (!d) return "VP8 decoder: " + d.error().message;
    s->vp8_decoder.emplace(std::move(*d));
    s->packetizer.emplace(1200, static_cast<std::uint16_t>(rng_.next_u32() & 0x7fff));
    s->depacketizer.emplace();
    s->nacks.emplace();
    s->retransmissions.emplace();
    s->bitrate_kbps = options_.video_bitrate_kbps;
    s->sent.emplace(s->ssrc, 90000);
  } else {
    return "media " + setup.media + " is not supported";
  }
  if (setup.srtp) {
    auto profile = rtp::srtp_profile_from_sdes_name(setup.srtp->suite);
    if (!profile) return "SRTP suite " + setup.srtp->suite + " is not supported";
    auto session = rtp::SrtpSession::create(*profile, setup.srtp->local_key_salt, setup.srtp->remote_key_salt);
    if (!session) return "SRTP: " + session.error().message();
    s->srtp.emplace(std::move(*session));
  }
  rtp::RtcpIntervalConfig rc;
  rc.session_bandwidth_bps = setup.media == "audio" ? 64'000 : static_cast<std::uint64_t>(options_.video_bitrate_kbps) * 1000;
  s->rtcp.emplace(rc, now, rng_);
  streams_.push_back(std::move(s));
  return std::nullopt;
}

void MediaPlane::set_path(Instant now, const std::string& transport, std::uint16_t component, const SocketAddress& local,
                          const SocketAddress& remote) {
  auto& p = paths_[transport];
  (component == 1 ? p.rtp : p.rtcp) = std::make_pair(local, remote);
  for (auto& s : streams_)
    if (s->setup.transport == transport && !s->next_frame_at) s->next_frame_at = now;  // start sending
}

void MediaPlane::stop_sending(const std::string& transport) { paths_[transport].stopped = true; }

void MediaPlane::set_direction(const std::string& media, bool send, bool recv) {
  for (auto& s : streams_)
    if (s->setup.media == media) {
      s->setup.send = send;
      s->setup.recv = recv;
    }
}

MediaPlane::Stream* MediaPlane::stream_for_rtp(const std::string& transport, std::uint8_t pt) {
  for (auto& s : streams_)
    if (s->setup.transport == transport && s->setup.payload_type == pt) return s.get();
  return nullptr;
}

void MediaPlane::send_rtp(Instant now, Stream& s, Bytes packet, bool retransmission) {
  const auto& p = paths_[s.setup.transport];
  if (!p.rtp || p.stopped) return;
  if (!retransmission && s.retransmissions) {
    auto parsed = rtp::parse_rtp(packet);
    if (parsed) s.retransmissions->on_packet_sent(now, parsed->header.sequence_number, packet);
  }
  if (s.srtp)
    if (!s.srtp->protect_rtp(packet)) return;  // cannot happen with a valid context; nothing else to do
  s.bytes_sent += packet.size();
  ++s.packets_sent;
  if (!s.first_sent) s.first_sent = now;
  outbox_.push_back(Transmit{Transport::udp, p.rtp->first, p.rtp->second, std::move(packet)});
}

void MediaPlane::send_rtcp(Stream& s, Bytes compound) {
  const auto& p = paths_[s.setup.transport];
  if (p.stopped) return;
  // rtcp-mux (or BUNDLE): RTCP rides on the RTP pair; else component 2's pair.
  const auto& pair = p.rtcp ? p.rtcp : p.rtp;
  if (!pair) return;
  if (s.rtcp) s.rtcp->on_rtcp_packet(compound.size());
  if (s.srtp)
    if (!s.srtp->protect_rtcp(compound)) return;
  outbox_.push_back(Transmit{Transport::udp, pair->first, pair->second, std::move(compound)});
}

void MediaPlane::handle_packet(Instant now, const std::string& transport, const Datagram& d) {
  if (!rtp::looks_like_rtp_or_rtcp(d.bytes)) return;  // DTLS and the like: not ours (yet)
  Bytes packet(d.bytes.begin(), d.bytes.end());
  if (rtp::is_rtcp(d.bytes)) return handle_rtcp(now, transport, std::move(packet));
  if (packet.size() < rtp::rtp_fixed_header_size) return;
  Stream* s = stream_for_rtp(transport, packet[1] & 0x7f);
  if (!s || !s->setup.recv) return;
  if (s->srtp) {
    auto r = s->srtp->unprotect_rtp(packet);
    if (!r) {
      if (!r.error().is_replay()) ++s->srtp_failures;
      return;
    }
    packet.resize(*r);
  }
  auto parsed = rtp::parse_rtp(packet);
  if (!parsed) {
    ++s->malformed;
    return;
  }
  const auto& h = parsed->header;
  if (!s->remote_ssrc || *s->remote_ssrc != h.ssrc) {
    s->remote_ssrc = h.ssrc;  // a new or changed sender (RFC 3550 §8.2 collisions aside)
    s->received.emplace(h.ssrc, s->setup.clock_rate ? s->setup.clock_rate : 48000);
  }
  const auto verdict = s->received->on_packet(now, h.sequence_number, h.timestamp);
  if (verdict == rtp::SequenceVerdict::duplicate) return;
  s->bytes_received += packet.size();
  if (!s->first_received) s->first_received = now;
  s->last_received = now;
  if (!first_packet_at_) first_packet_at_ = now;
  if (s->audio()) {
    s->jitter->push(h.sequence_number, h.timestamp, now, parsed->payload);
  } else {
    video_receive(now, *s, h.sequence_number, h.timestamp, h.marker, parsed->payload);
  }
}

void MediaPlane::handle_timeout(Instant now) {
  for (auto& sp : streams_) {
    Stream& s = *sp;
    if (s.next_frame_at && now >= *s.next_frame_at) {
      if (s.audio()) {
        audio_tick(now, s);
      } else {
        video_tick(now, s);
      }
    }
    if (s.jitter)
      if (auto t = s.jitter->poll_timeout(); t && now >= *t) audio_playout(now, s);
    if (s.nacks && s.setup.nack) {
      if (auto t = s.nacks->poll_timeout(); t && now >= *t) {
        auto lost = s.nacks->poll_nacks(now);
        if (!lost.empty() && s.remote_ssrc) {
          rtp::GenericNack nack{s.ssrc, *s.remote_ssrc, rtp::make_nack_items(lost)};
          std::vector<rtp::RtcpPacket> pk{nack};
          send_rtcp(s, rtp::serialize_rtcp(pk));  // RFC 5506 reduced size: feedback alone, at once
          ++s.nacks_sent;
        }
      }
    }
    if (s.rtcp && now >= s.rtcp->poll_timeout() && s.rtcp->handle_timeout(now, rng_)) rtcp_tick(now, s);
  }
}

std::optional<Transmit> MediaPlane::poll_transmit() {
  if (outbox_.empty()) return std::nullopt;
  Transmit t = std::move(outbox_.front());
  outbox_.pop_front();
  return t;
}

std::optional<Instant> MediaPlane::poll_timeout() const {
  std::optional<Instant> next;
  auto consider = [&](std::optional<Instant> t) {
    if (t && (!next || *t < *next)) next = t;
  };
  for (const auto& s : streams_) {
    consider(s->next_frame_at);
    if (s->jitter) consider(s->jitter->poll_timeout());
    if (s->nacks && s->setup.nack) consider(s->nacks->poll_timeout());
    if (s->rtcp && paths_.contains(s->setup.transport)) consider(s->rtcp->poll_timeout());
  }
  return next;
}

std::vector<std::string> MediaPlane::close(Instant now) {
  std::vector<std::string> errors;
  for (auto& s : streams_) {
    if (s->first_sent || s->first_received) rtcp_tick(now, *s, true);
    s->next_frame_at.reset();
  }
  if (options_.audio_sink)
    if (auto e = options_.audio_sink->close()) errors.push_back(*e);
  if (options_.video_sink)
    if (auto e = options_.video_sink->close()) errors.push_back(*e);
  options_.audio_sink.reset();
  options_.video_sink.reset();
  return errors;
}

}  // namespace confab::call
