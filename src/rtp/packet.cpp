// RTP fixed header codec (RFC 3550 §5.1, §5.3.1) and demultiplexing.
#include "rtp/packet.hpp"

#include <string>

namespace confab::rtp {
namespace {

Unexpected<DecodeError> fail(DecodeErrorCode code, std::size_t offset, std::string field, std::string detail) {
  return unexpected(DecodeError{code, false, offset, std::nullopt, std::move(field), std::move(detail)});
}

}  // namespace

Result<RtpPacket, DecodeError> parse_rtp(ByteView data) {
  if (data.size() < rtp_fixed_header_size) {
    return fail(DecodeErrorCode::too_short, 0, "", std::to_string(data.size()) + " bytes, the fixed header needs 12");
  }
  ByteReader r(data);
  const std::uint8_t b0 = *r.u8();
  const std::uint8_t b1 = *r.u8();
  if ((b0 >> 6) != 2) return fail(DecodeErrorCode::bad_version, 0, "version", "version " + std::to_string(b0 >> 6));
  const bool has_padding = (b0 & 0x20) != 0;
  const bool has_extension = (b0 & 0x10) != 0;
  const std::size_t csrc_count = b0 & 0x0F;

  RtpPacket p;
  p.header.marker = (b1 & 0x80) != 0;
  p.header.payload_type = b1 & 0x7F;
  p.header.sequence_number = *r.u16();
  p.header.timestamp = *r.u32();
  p.header.ssrc = *r.u32();
  if (r.remaining() < csrc_count * 4) {
    return fail(DecodeErrorCode::truncated, r.offset(), "CSRC list",
                std::to_string(csrc_count) + " CSRCs need " + std::to_string(csrc_count * 4) + " bytes, " +
                    std::to_string(r.remaining()) + " left");
  }
  p.header.csrcs.reserve(csrc_count);
  for (std::size_t i = 0; i < csrc_count; ++i) p.header.csrcs.push_back(*r.u32());

  if (has_extension) {
    const std::size_t at = r.offset();
    auto profile = r.u16();
    auto words = r.u16();
    if (!words) return fail(DecodeErrorCode::truncated, at, "header extension", "no room for its 4-byte header");
    auto body = r.take(std::size_t{*words} * 4);
    if (!body) {
      return fail(DecodeErrorCode::truncated, at + 2, "header extension length",
                  std::to_string(*words) + " words run past the end");
    }
    p.header.extension = HeaderExtension{*profile, Bytes(body->begin(), body->end())};
  }
  p.header_size = r.offset();

  std::size_t end = data.size();
  if (has_padding) {
    const std::uint8_t count = data.back();
    if (count == 0 || count > end - p.header_size) {
      return fail(DecodeErrorCode::bad_padding, data.size() - 1, "padding length",
                  "pad count " + std::to_string(count) + " with " + std::to_string(end - p.header_size) +
                      " bytes after the header");
    }
    p.padding = count;
    end -= count;
  }
  p.payload = data.subspan(p.header_size, end - p.header_size);
  return p;
}

Bytes serialize(const RtpHeader& h, ByteView payload, std::uint8_t padding) {
  const std::size_t csrcs = h.csrcs.size() < max_csrcs ? h.csrcs.size() : max_csrcs;
  Bytes out;
  out.reserve(rtp_fixed_header_size + csrcs * 4 + (h.extension ? 4 + h.extension->data.size() + 3 : 0) +
              payload.size() + padding);
  ByteWriter w(out);
  w.u8(static_cast<std::uint8_t>(0x80 | (padding > 0 ? 0x20 : 0) | (h.extension ? 0x10 : 0) | csrcs));
  w.u8(static_cast<std::uint8_t>((h.marker ? 0x80 : 0) | (h.payload_type & 0x7F)));
  w.u16(h.sequence_number);
  w.u32(h.timestamp);
  w.u32(h.ssrc);
  for (std::size_t i = 0; i < csrcs; ++i) w.u32(h.csrcs[i]);
  if (h.extension) {
    const std::size_t words = (h.extension->data.size() + 3) / 4;
    w.u16(h.extension->profile);
    w.u16(static_cast<std::uint16_t>(words));
    w.bytes(h.extension->data);
    w.zeros(words * 4 - h.extension->data.size());
  }
  w.bytes(payload);
  if (padding > 0) {
    w.zeros(padding - 1u);
    w.u8(padding);
  }
  return out;
}

bool looks_like_rtp_or_rtcp(ByteView data) { return data.size() >= 2 && data[0] >= 128 && data[0] <= 191; }

bool is_rtcp(ByteView data) { return looks_like_rtp_or_rtcp(data) && data[1] >= 192 && data[1] <= 223; }

Result<std::vector<ExtensionElement>, DecodeError> parse_extension_elements(const HeaderExtension& ext) {
  std::vector<ExtensionElement> out;
  const ByteView d = ext.data;
  const bool one_byte = ext.profile == one_byte_extension_profile;
  const bool two_byte = (ext.profile & 0xFFF0) == two_byte_extension_profile;
  if (!one_byte && !two_byte) {
    return fail(DecodeErrorCode::bad_extension, 0, "header extension profile",
                "profile " + std::to_string(ext.profile) + " is not an RFC 8285 element list");
  }
  std::size_t i = 0;
  while (i < d.size()) {
    // Padding between or after elements: a zero byte in the two-byte form,
    // any byte with ID 0 in the one-byte form (RFC 8285 §4.2 reserves ID 0
    // for padding; skipping the byte is what deployed parsers do).
    if (d[i] == 0 || (one_byte && (d[i] >> 4) == 0)) {
      ++i;
      continue;
    }
    std::uint8_t id = 0;
    std::size_t len = 0;
    if (one_byte) {
      id = d[i] >> 4;
      len = (d[i] & 0x0Fu) + 1u;
      if (id == 15) break;  // RFC 8285 §4.2: reserved, stop processing
      i += 1;
    } else {
      if (i + 1 >= d.size()) {
        return fail(DecodeErrorCode::bad_extension, i, "extension element", "element header cut at the end");
      }
      id = d[i];
      len = d[i + 1];
      i += 2;
    }
    if (len > d.size() - i) {
      return fail(DecodeErrorCode::bad_extension, i, "extension element " + std::to_string(id),
                  std::to_string(len) + " bytes, " + std::to_string(d.size() - i) + " left");
    }
    out.push_back({id, d.subspan(i, len)});
    i += len;
  }
  return out;
}

HeaderExtension make_extension(std::span<const ExtensionElement> elements) {
  bool fits_one_byte = true;
  for (const auto& e : elements) {
    if (e.id == 0 || e.data.size() > 255) continue;
    if (e.id > 14 || e.data.empty() || e.data.size() > 16) fits_one_byte = false;
  }
  HeaderExtension ext;
  ext.profile = fits_one_byte ? one_byte_extension_profile : two_byte_extension_profile;
  ByteWriter w(ext.data);
  for (const auto& e : elements) {
    if (e.id == 0 || e.data.size() > 255) continue;
    if (fits_one_byte) {
      w.u8(static_cast<std::uint8_t>((std::size_t{e.id} << 4) | (e.data.size() - 1)));
    } else {
      w.u8(e.id);
      w.u8(static_cast<std::uint8_t>(e.data.size()));
    }
    w.bytes(e.data);
  }
  w.zeros((4 - ext.data.size() % 4) % 4);
  return ext;
}

}  // namespace confab::rtp
