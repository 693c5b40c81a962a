#pragma once
// RTCP packets (RFC 3550 §6.4–6.6, RFC 4585 §6.2.1 and §6.3.1, RFC 5104
// §4.3.1) and compound packets (RFC 3550 §6.1, A.2; RFC 5506 reduced size).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "rtp/decode_error.hpp"
#include "rtp/ntp_time.hpp"

namespace confab::rtp {

namespace rtcp_type {
inline constexpr std::uint8_t sr = 200;
inline constexpr std::uint8_t rr = 201;
inline constexpr std::uint8_t sdes = 202;
inline constexpr std::uint8_t bye = 203;
inline constexpr std::uint8_t app = 204;
inline constexpr std::uint8_t rtpfb = 205;  // RFC 4585 transport-layer feedback
inline constexpr std::uint8_t psfb = 206;   // RFC 4585 payload-specific feedback
}  // namespace rtcp_type

// §6.4.1 report block. cumulative_lost is the 24-bit signed field, sign-extended.
struct ReportBlock {
  std::uint32_t ssrc = 0;
  std::uint8_t fraction_lost = 0;  // lost/expected in the interval, ×256
  std::int32_t cumulative_lost = 0;
  std::uint32_t extended_highest_sequence = 0;
  std::uint32_t jitter = 0;  // RTP timestamp units
  std::uint32_t last_sr = 0;  // LSR: middle 32 bits of the last SR's NTP time, 0 if none
  std::uint32_t delay_since_last_sr = 0;  // DLSR, 1/65536 s
  bool operator==(const ReportBlock&) const = default;
};

struct SenderReport {
  std::uint32_t ssrc = 0;
  NtpTime ntp;
  std::uint32_t rtp_timestamp = 0;
  std::uint32_t packet_count = 0;
  std::uint32_t octet_count = 0;
  std::vector<ReportBlock> reports;  // at most 31 are written
  Bytes profile_extension;           // §6.4.1 profile-specific extension, kept as is
  bool operator==(const SenderReport&) const = default;
};

struct ReceiverReport {
  std::uint32_t ssrc = 0;
  std::vector<ReportBlock> reports;  // at most 31 are written
  Bytes profile_extension;
  bool operator==(const ReceiverReport&) const = default;
};

namespace sdes_item {
inline constexpr std::uint8_t cname = 1;
inline constexpr std::uint8_t name = 2;
inline constexpr std::uint8_t email = 3;
inline constexpr std::uint8_t tool = 6;
inline constexpr std::uint8_t priv = 8;
}  // namespace sdes_item

struct SdesItem {
  std::uint8_t type = 0;  // 1..255 (0 ends a chunk on the wire)
  std::string value;      // at most 255 bytes are written
  bool operator==(const SdesItem&) const = default;
};
struct SdesChunk {
  std::uint32_t ssrc = 0;
  std::vector<SdesItem> items;
  const std::string* cname() const;
  bool operator==(const SdesChunk&) const = default;
};
struct Sdes {
  std::vector<SdesChunk> chunks;  // at most 31 are written
  bool operator==(const Sdes&) const = default;
};

struct Bye {
  std::vector<std::uint32_t> ssrcs;  // at most 31 are written
  std::optional<std::string> reason;  // at most 255 bytes are written
  bool operator==(const Bye&) const = default;
};

// RFC 4585 §6.2.1: PID is a lost packet, bit i of BLP means PID+i+1 is lost too.
struct NackItem {
  std::uint16_t pid = 0;
  std::uint16_t blp = 0;
  bool operator==(const NackItem&) const = default;
};
struct GenericNack {
  std::uint32_t sender_ssrc = 0;
  std::uint32_t media_ssrc = 0;
  std::vector<NackItem> items;
  bool operator==(const GenericNack&) const = default;
};

// RFC 4585 §6.3.1: "please send a key frame".
struct PictureLossIndication {
  std::uint32_t sender_ssrc = 0;
  std::uint32_t media_ssrc = 0;
  bool operator==(const PictureLossIndication&) const = default;
};

// RFC 5104 §4.3.1 Full Intra Request: one entry per media sender asked.
struct FirEntry {
  std::uint32_t ssrc = 0;
  std::uint8_t sequence_number = 0;
  bool operator==(const FirEntry&) const = default;
};
struct FullIntraRequest {
  std::uint32_t sender_ssrc = 0;
  std::uint32_t media_ssrc = 0;  // 0 per RFC 5104
  std::vector<FirEntry> entries;
  bool operator==(const FullIntraRequest&) const = default;
};

// APP, XR, other feedback formats and unknown types: kept, not interpreted.
struct UnknownRtcp {
  std::uint8_t packet_type = 0;
  std::uint8_t count = 0;  // the 5-bit count/subtype/FMT field
  Bytes body;              // after the 4-byte header, without padding; a multiple of 4 bytes
  bool operator==(const UnknownRtcp&) const = default;
};

using RtcpPacket = std::variant<SenderReport, ReceiverReport, Sdes, Bye, GenericNack, PictureLossIndication,
                                FullIntraRequest, UnknownRtcp>;

struct RtcpParseOptions {
  // RFC 5506: accept compound packets that do not start with SR/RR when
  // they start with a feedback packet (RTPFB/PSFB): a lone NACK or PLI.
  bool allow_reduced_size = true;
};

// Parses a compound RTCP packet with RFC 3550 A.2's checks: every packet is
// version 2, the first is SR or RR (see RtcpParseOptions), only the last
// has padding, and the lengths add up to the datagram exactly.
Result<std::vector<RtcpPacket>, DecodeError> parse_rtcp(ByteView data, const RtcpParseOptions& options = {});

// Serializes the packets back to back (no padding). Lists longer than the
// 5-bit count allows and strings longer than 255 bytes are cut (documented
// limits; a report with more than 31 sources needs several packets).
Bytes serialize_rtcp(std::span<const RtcpPacket> packets);
void append_rtcp(Bytes& out, const RtcpPacket& packet);

// NACK items for a list of lost sequence numbers, in the order given
// (ascending, wrap-aware, gives the fewest items); duplicates are merged.
// {100, 101, 105, 116} → one item, PID 100, BLP 0x8011.
std::vector<NackItem> make_nack_items(std::span<const std::uint16_t> lost);
// The sequence numbers the items name, in item order.
std::vector<std::uint16_t> lost_sequence_numbers(std::span<const NackItem> items);

}  // namespace confab::rtp
