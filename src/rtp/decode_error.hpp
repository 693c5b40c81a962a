#pragma once
// Why an RTP or RTCP packet failed to parse, and where.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace confab::rtp {

enum class DecodeErrorCode : std::uint8_t {
  too_short,            // fewer bytes than the fixed header needs
  bad_version,          // version field is not 2
  bad_padding,          // P bit set but the pad count is 0 or larger than the packet
  truncated,            // a length or count points past the end of the data
  bad_length,           // a length field that cannot be right (RTCP lengths not adding up)
  bad_value,            // a field whose value is not allowed (e.g. an SDES item of type 0 with text)
  not_first_sr_rr,      // RFC 3550 A.2: a compound packet must start with SR or RR
  padding_not_last,     // RFC 3550 A.2: only the last packet of a compound may be padded
  bad_extension,        // RFC 8285 header extension elements malformed
};
const char* to_string(DecodeErrorCode c);

struct DecodeError {
  DecodeErrorCode code = DecodeErrorCode::too_short;
  bool rtcp = false;                        // which codec reported it ("RTP" or "RTCP" in the message)
  std::size_t offset = 0;                   // byte offset in the datagram where it went wrong
  std::optional<std::size_t> packet_index;  // RTCP: which packet of the compound (0-based)
  std::string field;                        // e.g. "SR report block 2", "padding length"
  std::string detail;                       // e.g. "pad count 40 exceeds the 12 bytes after the header"

  // "RTCP decode error at byte 36 (packet 1, RR report block 0): truncated: ..."
  std::string message() const;
};

}  // namespace confab::rtp
