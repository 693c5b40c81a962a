// RTCP: our SR/RR + SDES (BYE at the end) on the stream's schedule, and what
// the peer's reports say: RTT, its loss of our stream (which drives the
// bitrate), NACKs to answer and keyframes to send.
#include <algorithm>
#include <cmath>

#include "call/media_stream.hpp"
#include "rtp/ntp_time.hpp"
#include "rtp/rtcp.hpp"

namespace confab::call {

namespace {

rtp::NtpTime ntp_at(std::chrono::system_clock::time_point wall_at_start, Instant started, Instant now) {
  return rtp::NtpTime::from_system_time(wall_at_start +
                                        std::chrono::duration_cast<std::chrono::system_clock::duration>(now - started));
}

}  // namespace

void MediaPlane::rtcp_tick(Instant now, Stream& s, bool bye) {
  if (!paths_.contains(s.setup.transport)) return;
  std::vector<rtp::ReportBlock> blocks;
  if (s.received && s.received->validated()) blocks.push_back(s.received->make_report_block(now));
  std::vector<rtp::RtcpPacket> compound;
  if (s.sent && s.sent->has_sent()) {
    const auto ts = s.sent->rtp_timestamp_at(now).value_or(0);
    compound.emplace_back(s.sent->make_sender_report(ntp_at(wall_at_start_, started_, now), ts, std::move(blocks)));
  } else {
    compound.emplace_back(rtp::ReceiverReport{s.ssrc, std::move(blocks), {}});
  }
  rtp::Sdes sdes;
  sdes.chunks.push_back({s.ssrc, {{rtp::sdes_item::cname, options_.cname}}});
  compound.emplace_back(std::move(sdes));
  if (bye) compound.emplace_back(rtp::Bye{{s.ssrc}, std::string("call ended")});
  send_rtcp(s, rtp::serialize_rtcp(compound));
}

void MediaPlane::handle_rtcp(Instant now, const std::string& transport, Bytes packet) {
  // The sender SSRC is in the clear (RFC 3711 §3.4): pick the stream whose
  // peer it is, else try each stream's keys on this transport.
  std::vector<Stream*> candidates;
  for (auto& s : streams_)
    if (s->setup.transport == transport) candidates.push_back(s.get());
  if (candidates.empty()) return;
  if (packet.size() >= 8) {
    const std::uint32_t sender = (std::uint32_t{packet[4]} << 24) | (std::uint32_t{packet[5]} << 16) |
                                 (std::uint32_t{packet[6]} << 8) | packet[7];
    std::stable_partition(candidates.begin(), candidates.end(), [&](Stream* s) { return s->remote_ssrc == sender; });
  }
  Stream* keyed = candidates.front();
  if (keyed->srtp) {
    bool ok = false;
    for (Stream* s : candidates) {
      Bytes copy = packet;
      if (!s->srtp) continue;
      if (auto r = s->srtp->unprotect_rtcp(copy)) {
        copy.resize(*r);
        packet = std::move(copy);
        keyed = s, ok = true;
        break;
      }
    }
    if (!ok) {
      ++keyed->srtp_failures;
      return;
    }
  }
  auto parsed = rtp::parse_rtcp(packet);
  if (!parsed) {
    ++keyed->malformed;
    return;
  }
  if (keyed->rtcp) keyed->rtcp->on_rtcp_packet(packet.size());
  const auto ntp_now = ntp_at(wall_at_start_, started_, now);
  auto ours = [&](std::uint32_t ssrc) -> Stream* {
    for (Stream* s : candidates)
      if (s->ssrc == ssrc) return s;
    return nullptr;
  };
  auto theirs = [&](std::uint32_t ssrc) -> Stream* {
    for (Stream* s : candidates)
      if (s->remote_ssrc == ssrc) return s;
    return nullptr;
  };
  auto on_blocks = [&](const std::vector<rtp::ReportBlock>& blocks) {
    for (const auto& b : blocks) {
      Stream* s = ours(b.ssrc);
      if (!s) continue;
      auto rtt = rtp::round_trip_time(b, ntp_now);
      if (rtt) {
        s->rtt = *rtt;
        if (s->nacks) s->nacks->set_rtt(*rtt);
      }
      s->remote_loss = b.fraction_lost / 256.0;
      adapt_bitrate(now, *s, *s->remote_loss, rtt);
    }
  };
  for (const auto& p : *parsed) {
    if (auto* sr = std::get_if<rtp::SenderReport>(&p)) {
      if (Stream* s = theirs(sr->ssrc); s && s->received) s->received->on_sender_report(now, sr->ntp);
      on_blocks(sr->reports);
    } else if (auto* rr = std::get_if<rtp::ReceiverReport>(&p)) {
      on_blocks(rr->reports);
    } else if (auto* nack = std::get_if<rtp::GenericNack>(&p)) {
      Stream* s = ours(nack->media_ssrc);
      if (!s || !s->retransmissions) continue;
      for (std::uint16_t seq : rtp::lost_sequence_numbers(nack->items)) {
        if (auto again = s->retransmissions->resend(now, seq)) {
          ++s->retransmitted;
          send_rtp(now, *s, Bytes(again->begin(), again->end()), true);
        }
      }
    } else if (auto* pli = std::get_if<rtp::PictureLossIndication>(&p)) {
      if (Stream* s = ours(pli->media_ssrc); s && s->vp8_encoder) {
        ++s->plis_received;
        s->vp8_encoder->request_keyframe();
      }
    } else if (auto* fir = std::get_if<rtp::FullIntraRequest>(&p)) {
      for (const auto& e : fir->entries)
        if (Stream* s = ours(e.ssrc); s && s->vp8_encoder) {
          ++s->plis_received;
          s->vp8_encoder->request_keyframe();
        }
    }
  }
}

// What iChat called optimising the AV streams: the peer's reports steer the
// bitrate. Video: loss above 10 % (counting what NACKs made us resend) or a
// round trip far above the path's own lowers it by 15 % (not below the
// floor); loss under 2 % raises it by 5 % (not above the configured rate);
// at most once a second. Audio: Opus's FEC is told the loss so it spends
// bits on redundancy.
void MediaPlane::adapt_bitrate(Instant now, Stream& s, double loss, std::optional<Duration> rtt) {
  if (rtt && (!s.min_rtt || *rtt < *s.min_rtt)) s.min_rtt = rtt;
  if (s.opus_encoder) {
    (void)s.opus_encoder->set_packet_loss_percent(std::clamp(static_cast<int>(std::lround(loss * 100)), 0, 100));
    return;
  }
  if (!s.vp8_encoder) return;
  if (s.last_adapted && now - *s.last_adapted < std::chrono::seconds(1)) return;
  // NACKs repair loss before the receiver reports it, so its fraction lost
  // understates what the path dropped: what we had to resend counts too.
  const std::uint64_t sent = s.packets_sent - s.sent_at_adaptation;
  const std::uint64_t resent = s.retransmitted - s.retransmitted_at_adaptation;
  if (sent > resent && sent > 0) loss = std::max(loss, static_cast<double>(resent) / static_cast<double>(sent - resent));
  s.sent_at_adaptation = s.packets_sent;
  s.retransmitted_at_adaptation = s.retransmitted;
  // A round trip well above the path's own (twice the least seen, plus
  // 100 ms) means queues are filling before anything is lost.
  const bool queueing = rtt && s.min_rtt && *rtt > 2 * *s.min_rtt + std::chrono::milliseconds(100);
  int next = s.bitrate_kbps;
  if (loss > 0.10 || queueing) {
    next = std::max(options_.video_min_bitrate_kbps, static_cast<int>(s.bitrate_kbps * 0.85));
  } else if (loss < 0.02) {
    next = std::min(options_.video_bitrate_kbps, static_cast<int>(s.bitrate_kbps * 1.05) + 1);
  }
  if (next != s.bitrate_kbps && s.vp8_encoder->set_bitrate_kbps(next)) s.bitrate_kbps = next;
  s.last_adapted = now;
}

std::vector<StreamReport> MediaPlane::report(Instant now) const {
  std::vector<StreamReport> out;
  for (const auto& sp : streams_) {
    const Stream& s = *sp;
    StreamReport r;
    r.media = s.setup.media;
    r.codec = s.setup.encoding + "/" + std::to_string(s.setup.clock_rate);
    r.srtp = s.srtp.has_value();
    r.packets_sent = s.packets_sent;
    r.bytes_sent = s.bytes_sent;
    if (s.received) {
      r.packets_received = s.received->received();
      r.packets_lost = std::max<std::int64_t>(0, s.received->cumulative_lost());
      const double expected = static_cast<double>(s.received->expected());
      r.loss_percent = expected > 0 ? 100.0 * static_cast<double>(r.packets_lost) / expected : 0;
      r.jitter_ms = std::chrono::duration<double, std::milli>(s.received->jitter_duration()).count();
    }
    r.bytes_received = s.bytes_received;
    if (s.remote_loss) r.remote_loss_percent = *s.remote_loss * 100;
    if (s.rtt) r.rtt_ms = std::chrono::duration<double, std::milli>(*s.rtt).count();
    if (s.first_sent) {
      const double secs = std::chrono::duration<double>(now - *s.first_sent).count();
      if (secs > 0) r.send_kbps = static_cast<double>(s.bytes_sent) * 8 / secs / 1000;
    }
    if (s.first_received && s.last_received) {
      const double secs = std::chrono::duration<double>(*s.last_received - *s.first_received).count();
      if (secs > 0) r.receive_kbps = static_cast<double>(s.bytes_received) * 8 / secs / 1000;
    }
    r.nacks_sent = s.nacks_sent;
    r.retransmitted = s.retransmitted;
    r.plis_sent = s.plis_sent;
    r.plis_received = s.plis_received;
    r.frames_played = s.audio() ? s.frames_played : s.frames_decoded;
    r.frames_concealed = s.frames_concealed;
    r.decode_errors = s.decode_errors;
    r.srtp_failures = s.srtp_failures;
    r.malformed = s.malformed;
    r.current_bitrate_kbps = s.audio() ? options_.audio_bitrate / 1000 : s.bitrate_kbps;
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace confab::call
