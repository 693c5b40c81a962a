// RTCP serialization: each packet is its 4-byte header, then the body; the
// length field is patched once the body is written.
#include <algorithm>

#include "rtp/rtcp.hpp"

namespace confab::rtp {
namespace {

constexpr std::size_t max_count = 31;  // the 5-bit RC/SC field

std::size_t capped(std::size_t n) { return std::min(n, max_count); }

std::size_t begin_packet(ByteWriter& w, std::uint8_t count, std::uint8_t type) {
  const std::size_t start = w.size();
  w.u8(static_cast<std::uint8_t>(0x80 | (count & 0x1F)));
  w.u8(type);
  w.u16(0);  // length, patched by end_packet
  return start;
}

// Pads to a 32-bit boundary with RFC 3550 padding (P bit, count in the last
// byte) when a kept-as-is body is not whole words, then writes the length.
void end_packet(Bytes& out, std::size_t start) {
  ByteWriter w(out);
  const std::size_t len = out.size() - start;
  if (len % 4 != 0) {
    const std::size_t pad = 4 - len % 4;
    w.zeros(pad - 1);
    w.u8(static_cast<std::uint8_t>(pad));
    out[start] |= 0x20;
  }
  w.patch_u16(start + 2, static_cast<std::uint16_t>((out.size() - start) / 4 - 1));
}

void write_report(ByteWriter& w, const ReportBlock& b) {
  w.u32(b.ssrc);
  const auto cum = static_cast<std::uint32_t>(std::clamp(b.cumulative_lost, -0x800000, 0x7FFFFF)) & 0x00FFFFFFu;
  w.u32((std::uint32_t{b.fraction_lost} << 24) | cum);
  w.u32(b.extended_highest_sequence);
  w.u32(b.jitter);
  w.u32(b.last_sr);
  w.u32(b.delay_since_last_sr);
}

void write_string(ByteWriter& w, const std::string& s) {
  const std::size_t n = std::min<std::size_t>(s.size(), 255);
  w.u8(static_cast<std::uint8_t>(n));
  w.bytes(as_bytes(std::string_view(s).substr(0, n)));
}

struct Writer {
  Bytes& out;

  void operator()(const SenderReport& sr) {
    ByteWriter w(out);
    const std::size_t n = capped(sr.reports.size());
    const std::size_t start = begin_packet(w, static_cast<std::uint8_t>(n), rtcp_type::sr);
    w.u32(sr.ssrc);
    w.u32(sr.ntp.seconds());
    w.u32(sr.ntp.fraction());
    w.u32(sr.rtp_timestamp);
    w.u32(sr.packet_count);
    w.u32(sr.octet_count);
    for (std::size_t i = 0; i < n; ++i) write_report(w, sr.reports[i]);
    w.bytes(sr.profile_extension);
    end_packet(out, start);
  }
  void operator()(const ReceiverReport& rr) {
    ByteWriter w(out);
    const std::size_t n = capped(rr.reports.size());
    const std::size_t start = begin_packet(w, static_cast<std::uint8_t>(n), rtcp_type::rr);
    w.u32(rr.ssrc);
    for (std::size_t i = 0; i < n; ++i) write_report(w, rr.reports[i]);
    w.bytes(rr.profile_extension);
    end_packet(out, start);
  }
  void operator()(const Sdes& sdes) {
    ByteWriter w(out);
    const std::size_t n = capped(sdes.chunks.size());
    const std::size_t start = begin_packet(w, static_cast<std::uint8_t>(n), rtcp_type::sdes);
    for (std::size_t c = 0; c < n; ++c) {
      const std::size_t chunk_start = w.size();
      w.u32(sdes.chunks[c].ssrc);
      for (const SdesItem& item : sdes.chunks[c].items) {
        if (item.type == 0) continue;  // would end the chunk early
        w.u8(item.type);
        write_string(w, item.value);
      }
      w.u8(0);  // end of items, then null octets to the boundary
      w.zeros((4 - (w.size() - chunk_start) % 4) % 4);
    }
    end_packet(out, start);
  }
  void operator()(const Bye& bye) {
    ByteWriter w(out);
    const std::size_t n = capped(bye.ssrcs.size());
    const std::size_t start = begin_packet(w, static_cast<std::uint8_t>(n), rtcp_type::bye);
    for (std::size_t i = 0; i < n; ++i) w.u32(bye.ssrcs[i]);
    if (bye.reason) {
      write_string(w, *bye.reason);
      w.zeros((4 - (w.size() - start) % 4) % 4);
    }
    end_packet(out, start);
  }
  void operator()(const GenericNack& nack) {
    ByteWriter w(out);
    const std::size_t start = begin_packet(w, 1, rtcp_type::rtpfb);
    w.u32(nack.sender_ssrc);
    w.u32(nack.media_ssrc);
    for (const NackItem& item : nack.items) {
      w.u16(item.pid);
      w.u16(item.blp);
    }
    end_packet(out, start);
  }
  void operator()(const PictureLossIndication& pli) {
    ByteWriter w(out);
    const std::size_t start = begin_packet(w, 1, rtcp_type::psfb);
    w.u32(pli.sender_ssrc);
    w.u32(pli.media_ssrc);
    end_packet(out, start);
  }
  void operator()(const FullIntraRequest& fir) {
    ByteWriter w(out);
    const std::size_t start = begin_packet(w, 4, rtcp_type::psfb);
    w.u32(fir.sender_ssrc);
    w.u32(fir.media_ssrc);
    for (const FirEntry& e : fir.entries) {
      w.u32(e.ssrc);
      w.u32(std::uint32_t{e.sequence_number} << 24);
    }
    end_packet(out, start);
  }
  void operator()(const UnknownRtcp& u) {
    ByteWriter w(out);
    const std::size_t start = begin_packet(w, u.count, u.packet_type);
    w.bytes(u.body);
    end_packet(out, start);
  }
};

}  // namespace

void append_rtcp(Bytes& out, const RtcpPacket& packet) { std::visit(Writer{out}, packet); }

Bytes serialize_rtcp(std::span<const RtcpPacket> packets) {
  Bytes out;
  for (const RtcpPacket& p : packets) append_rtcp(out, p);
  return out;
}

const std::string* SdesChunk::cname() const {
  for (const SdesItem& item : items) {
    if (item.type == sdes_item::cname) return &item.value;
  }
  return nullptr;
}

}  // namespace confab::rtp
