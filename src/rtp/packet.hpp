#pragma once
// The RTP fixed header (RFC 3550 §5.1), its header extension (§5.3.1, with
// RFC 8285's one-byte and two-byte elements) and RTP/RTCP demultiplexing
// (RFC 5761 §4, RFC 7983 §7).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "rtp/decode_error.hpp"

namespace confab::rtp {

inline constexpr std::size_t rtp_fixed_header_size = 12;
inline constexpr std::size_t max_csrcs = 15;

// The header extension as carried: a 16-bit profile-defined value and the
// extension data (a whole number of 32-bit words).
struct HeaderExtension {
  std::uint16_t profile = 0;
  Bytes data;
  bool operator==(const HeaderExtension&) const = default;
};

struct RtpHeader {
  bool marker = false;
  std::uint8_t payload_type = 0;  // 0..127
  std::uint16_t sequence_number = 0;
  std::uint32_t timestamp = 0;
  std::uint32_t ssrc = 0;
  std::vector<std::uint32_t> csrcs;  // at most 15
  std::optional<HeaderExtension> extension;
  bool operator==(const RtpHeader&) const = default;
};

// A parsed packet. `payload` borrows from the buffer given to parse_rtp().
struct RtpPacket {
  RtpHeader header;
  ByteView payload;
  std::uint8_t padding = 0;      // pad bytes at the end, the count byte included; 0 if P is clear
  std::size_t header_size = 0;   // fixed header + CSRCs + extension
};

// Parses one RTP packet: version 2, the CSRC list, the extension and the
// padding must all fit. Never reads outside `data`.
Result<RtpPacket, DecodeError> parse_rtp(ByteView data);

// Writes header + payload, then `padding` pad bytes (zeros and the count in
// the last one) when padding > 0. CSRCs beyond 15 are not written (the CC
// field has 4 bits); extension data is zero-padded to a multiple of 4 bytes.
Bytes serialize(const RtpHeader& header, ByteView payload, std::uint8_t padding = 0);
inline Bytes serialize(const RtpPacket& p) { return serialize(p.header, p.payload, p.padding); }

// RFC 7983: a first byte in 128..191 is RTP or RTCP (STUN is 0..3, DTLS 20..63).
bool looks_like_rtp_or_rtcp(ByteView data);
// RFC 5761 §4: with RTP and RTCP on one port, a second byte of 192..223 (an
// RTCP packet type 192..223, or an RTP payload type 64..95 with the marker
// set, which is why those payload types must not be used) means RTCP.
bool is_rtcp(ByteView data);

// RFC 8285 header extension elements. profile 0xBEDE is the one-byte form
// (IDs 1..14, 1..16 bytes), 0x100X the two-byte form (IDs 1..255, 0..255
// bytes); other profiles are not element lists.
struct ExtensionElement {
  std::uint8_t id = 0;
  ByteView data;
};
inline constexpr std::uint16_t one_byte_extension_profile = 0xBEDE;
inline constexpr std::uint16_t two_byte_extension_profile = 0x1000;

// The elements in `ext` (views into ext.data), padding skipped.
Result<std::vector<ExtensionElement>, DecodeError> parse_extension_elements(const HeaderExtension& ext);
// Builds an extension holding `elements`: the one-byte form when every ID is
// 1..14 and every element 1..16 bytes, the two-byte form otherwise. Elements
// that fit neither (ID 0, or more than 255 bytes) are left out.
HeaderExtension make_extension(std::span<const ExtensionElement> elements);

}  // namespace confab::rtp
