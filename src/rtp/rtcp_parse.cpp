// Compound RTCP parsing with RFC 3550 A.2's validity checks; each packet
// type's body in its own small function. Errors name the packet and field.
#include <string>

#include "rtp/rtcp.hpp"

namespace confab::rtp {
namespace {

// Where in the datagram the packet being parsed is, for error messages.
struct Where {
  std::size_t index = 0;
  std::size_t body_offset = 0;  // the body's offset in the datagram
};

Unexpected<DecodeError> fail(const Where& at, DecodeErrorCode code, std::size_t offset_in_body, std::string field,
                             std::string detail) {
  return unexpected(
      DecodeError{code, true, at.body_offset + offset_in_body, at.index, std::move(field), std::move(detail)});
}

std::string need(std::size_t bytes, std::size_t have) {
  return "needs " + std::to_string(bytes) + " bytes, has " + std::to_string(have);
}

ReportBlock read_report_block(ByteReader& r) {
  ReportBlock b;
  b.ssrc = *r.u32();
  const std::uint32_t lost = *r.u32();
  b.fraction_lost = static_cast<std::uint8_t>(lost >> 24);
  std::uint32_t cum = lost & 0x00FFFFFFu;
  if (cum & 0x00800000u) cum |= 0xFF000000u;  // sign-extend the 24-bit field
  b.cumulative_lost = static_cast<std::int32_t>(cum);
  b.extended_highest_sequence = *r.u32();
  b.jitter = *r.u32();
  b.last_sr = *r.u32();
  b.delay_since_last_sr = *r.u32();
  return b;
}

Result<std::vector<ReportBlock>, DecodeError> read_reports(const Where& at, ByteReader& r, std::size_t count,
                                                           const char* kind) {
  std::vector<ReportBlock> out;
  if (r.remaining() < count * 24) {
    return fail(at, DecodeErrorCode::truncated, r.offset(), std::string(kind) + " report blocks",
                std::to_string(count) + " blocks " + need(count * 24, r.remaining()));
  }
  out.reserve(count);
  for (std::size_t i = 0; i < count; ++i) out.push_back(read_report_block(r));
  return out;
}

Result<RtcpPacket, DecodeError> parse_sr(const Where& at, ByteView body, std::size_t count) {
  ByteReader r(body);
  if (body.size() < 24) return fail(at, DecodeErrorCode::truncated, 0, "SR sender info", need(24, body.size()));
  SenderReport sr;
  sr.ssrc = *r.u32();
  const std::uint32_t secs = *r.u32();
  sr.ntp = NtpTime::from_parts(secs, *r.u32());
  sr.rtp_timestamp = *r.u32();
  sr.packet_count = *r.u32();
  sr.octet_count = *r.u32();
  auto reports = read_reports(at, r, count, "SR");
  if (!reports) return unexpected(reports.error());
  sr.reports = std::move(*reports);
  auto rest = *r.take(r.remaining());
  sr.profile_extension.assign(rest.begin(), rest.end());
  return RtcpPacket{std::move(sr)};
}

Result<RtcpPacket, DecodeError> parse_rr(const Where& at, ByteView body, std::size_t count) {
  ByteReader r(body);
  if (body.size() < 4) return fail(at, DecodeErrorCode::truncated, 0, "RR SSRC", need(4, body.size()));
  ReceiverReport rr;
  rr.ssrc = *r.u32();
  auto reports = read_reports(at, r, count, "RR");
  if (!reports) return unexpected(reports.error());
  rr.reports = std::move(*reports);
  auto rest = *r.take(r.remaining());
  rr.profile_extension.assign(rest.begin(), rest.end());
  return RtcpPacket{std::move(rr)};
}

Result<RtcpPacket, DecodeError> parse_sdes(const Where& at, ByteView body, std::size_t count) {
  ByteReader r(body);
  Sdes sdes;
  for (std::size_t c = 0; c < count; ++c) {
    const std::string field = "SDES chunk " + std::to_string(c);
    const std::size_t chunk_start = r.offset();
    auto ssrc = r.u32();
    if (!ssrc) return fail(at, DecodeErrorCode::truncated, chunk_start, field, need(4, r.remaining()));
    SdesChunk chunk{*ssrc, {}};
    for (;;) {
      const std::size_t item_at = r.offset();
      auto type = r.u8();
      if (!type) return fail(at, DecodeErrorCode::truncated, item_at, field, "no end-of-items null octet");
      if (*type == 0) break;
      auto len = r.u8();
      auto text = len ? r.take(*len) : std::nullopt;
      if (!text) {
        return fail(at, DecodeErrorCode::truncated, item_at, field + " item type " + std::to_string(*type),
                    "item runs past the end");
      }
      chunk.items.push_back({*type, std::string(as_chars(*text))});
    }
    // The null item is followed by null octets up to the next 32-bit boundary.
    const std::size_t pad = (4 - (r.offset() - chunk_start) % 4) % 4;
    if (!r.skip(pad)) return fail(at, DecodeErrorCode::truncated, r.offset(), field, "padding to a 32-bit boundary cut");
    sdes.chunks.push_back(std::move(chunk));
  }
  if (!r.empty()) {
    return fail(at, DecodeErrorCode::bad_length, r.offset(), "SDES",
                std::to_string(r.remaining()) + " bytes after " + std::to_string(count) + " chunks");
  }
  return RtcpPacket{std::move(sdes)};
}

Result<RtcpPacket, DecodeError> parse_bye(const Where& at, ByteView body, std::size_t count) {
  ByteReader r(body);
  Bye bye;
  if (body.size() < count * 4) {
    return fail(at, DecodeErrorCode::truncated, 0, "BYE SSRC list", need(count * 4, body.size()));
  }
  for (std::size_t i = 0; i < count; ++i) bye.ssrcs.push_back(*r.u32());
  if (!r.empty()) {
    const std::size_t at_len = r.offset();
    const std::uint8_t len = *r.u8();
    auto text = r.take(len);
    if (!text) return fail(at, DecodeErrorCode::truncated, at_len, "BYE reason", need(len, r.remaining()));
    bye.reason = std::string(as_chars(*text));
    if (r.remaining() >= 4) {
      return fail(at, DecodeErrorCode::bad_length, r.offset(), "BYE",
                  std::to_string(r.remaining()) + " bytes after the reason");
    }
  }
  return RtcpPacket{std::move(bye)};
}

Result<RtcpPacket, DecodeError> parse_feedback(const Where& at, std::uint8_t type, ByteView body, std::uint8_t fmt) {
  const char* kind = type == rtcp_type::rtpfb ? "RTPFB" : "PSFB";
  if (body.size() < 8) return fail(at, DecodeErrorCode::truncated, 0, std::string(kind) + " SSRCs", need(8, body.size()));
  ByteReader r(body);
  const std::uint32_t sender = *r.u32();
  const std::uint32_t media = *r.u32();
  const std::size_t fci = r.remaining();
  if (type == rtcp_type::rtpfb && fmt == 1) {
    if (fci % 4 != 0) {
      return fail(at, DecodeErrorCode::bad_length, 8, "generic NACK FCI",
                  std::to_string(fci) + " bytes is not a whole number of 4-byte items");
    }
    GenericNack nack{sender, media, {}};
    while (!r.empty()) nack.items.push_back({*r.u16(), *r.u16()});
    return RtcpPacket{std::move(nack)};
  }
  if (type == rtcp_type::psfb && fmt == 1) {
    if (fci != 0) return fail(at, DecodeErrorCode::bad_length, 8, "PLI", std::to_string(fci) + " bytes of FCI, expected 0");
    return RtcpPacket{PictureLossIndication{sender, media}};
  }
  if (type == rtcp_type::psfb && fmt == 4) {
    if (fci % 8 != 0) {
      return fail(at, DecodeErrorCode::bad_length, 8, "FIR FCI",
                  std::to_string(fci) + " bytes is not a whole number of 8-byte entries");
    }
    FullIntraRequest fir{sender, media, {}};
    while (!r.empty()) {
      const std::uint32_t ssrc = *r.u32();
      fir.entries.push_back({ssrc, static_cast<std::uint8_t>(*r.u32() >> 24)});
    }
    return RtcpPacket{std::move(fir)};
  }
  return RtcpPacket{UnknownRtcp{type, fmt, Bytes(body.begin(), body.end())}};
}

Result<RtcpPacket, DecodeError> parse_body(const Where& at, std::uint8_t type, std::uint8_t count, ByteView body) {
  switch (type) {
    case rtcp_type::sr: return parse_sr(at, body, count);
    case rtcp_type::rr: return parse_rr(at, body, count);
    case rtcp_type::sdes: return parse_sdes(at, body, count);
    case rtcp_type::bye: return parse_bye(at, body, count);
    case rtcp_type::rtpfb:
    case rtcp_type::psfb: return parse_feedback(at, type, body, count);
    default: return RtcpPacket{UnknownRtcp{type, count, Bytes(body.begin(), body.end())}};
  }
}

}  // namespace

Result<std::vector<RtcpPacket>, DecodeError> parse_rtcp(ByteView data, const RtcpParseOptions& options) {
  std::vector<RtcpPacket> out;
  std::size_t pos = 0;
  if (data.empty()) return unexpected(DecodeError{DecodeErrorCode::too_short, true, 0, std::nullopt, "", "empty datagram"});
  while (pos < data.size()) {
    const Where at{out.size(), pos + 4};
    auto hfail = [&](DecodeErrorCode code, std::size_t byte, std::string field, std::string detail) {
      return unexpected(DecodeError{code, true, pos + byte, out.size(), std::move(field), std::move(detail)});
    };
    const std::size_t left = data.size() - pos;
    if (left < 4) {
      return hfail(DecodeErrorCode::truncated, 0, "header", need(4, left));
    }
    const std::uint8_t b0 = data[pos];
    const std::uint8_t type = data[pos + 1];
    const std::size_t total = ((std::size_t{data[pos + 2]} << 8 | data[pos + 3]) + 1) * 4;
    if ((b0 >> 6) != 2) {
      return hfail(DecodeErrorCode::bad_version, 0, "version", "version " + std::to_string(b0 >> 6));
    }
    if (out.empty() && type != rtcp_type::sr && type != rtcp_type::rr) {
      const bool feedback = type == rtcp_type::rtpfb || type == rtcp_type::psfb;
      if (!(options.allow_reduced_size && feedback)) {
        return hfail(DecodeErrorCode::not_first_sr_rr, 1, "packet type",
                    "packet type " + std::to_string(type));
      }
    }
    if (total > left) {
      return hfail(DecodeErrorCode::bad_length, 2, "length",
                  std::to_string(total) + " bytes, " + std::to_string(left) + " left in the datagram");
    }
    std::size_t body_len = total - 4;
    if (b0 & 0x20) {
      if (total != left) {
        return hfail(DecodeErrorCode::padding_not_last, 0, "padding bit",
                    "another packet follows at byte " + std::to_string(pos + total));
      }
      const std::uint8_t pad = data[pos + total - 1];
      if (pad == 0 || pad > body_len) {
        return hfail(DecodeErrorCode::bad_padding, total - 1, "padding length",
                    "pad count " + std::to_string(pad) + " with a " + std::to_string(body_len) + "-byte body");
      }
      body_len -= pad;
    }
    auto packet = parse_body(at, type, b0 & 0x1F, data.subspan(pos + 4, body_len));
    if (!packet) return unexpected(packet.error());
    out.push_back(std::move(*packet));
    pos += total;
  }
  return out;
}

}  // namespace confab::rtp
