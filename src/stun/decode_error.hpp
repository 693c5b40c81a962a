#pragma once
// Why a STUN message failed to parse, and where.
#include <cstddef>
#include <cstdint>
#include <string>

namespace confab::stun {

enum class DecodeErrorCode : std::uint8_t {
  too_short,                // fewer than 20 bytes
  not_stun,                 // leading bits not 00
  bad_length,               // header length not a multiple of 4, or != bytes given
  truncated_attribute,      // attribute header or value runs past the end
  bad_attribute_value,      // a known attribute is malformed (wrong length, family, ...)
  attribute_after_integrity,  // something other than MI-SHA256/FINGERPRINT follows MESSAGE-INTEGRITY
  attribute_after_fingerprint,
  fingerprint_mismatch,
};
const char* to_string(DecodeErrorCode c);

struct DecodeError {
  DecodeErrorCode code = DecodeErrorCode::too_short;
  // Byte offset in the message where it went wrong: 0 for the header as a
  // whole, 2 for its length field, an attribute's header for errors about the
  // attribute as a whole (truncated, misplaced, fingerprint mismatch), and
  // its value (header + 4) for bad_attribute_value.
  std::size_t offset = 0;
  std::uint16_t attribute = 0;      // the attribute involved, 0 if none
  std::string detail;               // e.g. "family 0x03 is neither IPv4 (0x01) nor IPv6 (0x02)"

  // "STUN decode error at byte 24 (XOR-MAPPED-ADDRESS): bad attribute value: family 0x03 ..."
  std::string message() const;
};

}  // namespace confab::stun
