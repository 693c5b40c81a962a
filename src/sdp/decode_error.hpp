#pragma once
// Why a session description (or one attribute value) failed to decode, and
// where: byte offset, line number, line type and attribute name.
#include <cstddef>
#include <cstdint>
#include <string>

namespace confab::sdp {

enum class DecodeErrorCode : std::uint8_t {
  empty,              // no bytes at all
  too_large,          // over Limits::max_size
  too_many_lines,     // over Limits::max_lines
  too_many_media,     // over Limits::max_media
  bad_line_ending,    // a CR not followed by LF, or a NUL byte
  bad_line,           // not "<type>=<value>": no '=', an upper-case or long type, an empty line
  unknown_line_type,  // a type letter RFC 8866 does not define (§5: "reject")
  out_of_order,       // a line the grammar does not allow at this place
  duplicate_line,     // a second copy of a line the grammar allows once
  missing_line,       // v=, o=, s=, t= absent, or c= neither at session level nor in a media section
  bad_version,        // v= other than 0
  bad_origin,         // o= not "username sess-id sess-version nettype addrtype address"
  bad_text,           // s=, i=, u=, e=, p=, k= with an empty value where text is required
  bad_connection,     // c= not "nettype addrtype address[/ttl][/count]", or address not of addrtype
  bad_bandwidth,      // b= not "bwtype:bandwidth"
  bad_time,           // t=, r=, z= not numbers / typed times
  bad_media,          // m= not "media port[/count] proto fmt..." or an RTP format that is not 0..127
  bad_attribute,      // a= name not a token, a flag with a value, a value attribute without one, wrong level
  bad_attribute_value,  // a known attribute whose value does not match its grammar
  duplicate_attribute,  // an attribute allowed once per level seen twice (or two directions)
  value_out_of_range,   // a number too large for its field
};
const char* to_string(DecodeErrorCode c);

struct DecodeError {
  DecodeErrorCode code = DecodeErrorCode::empty;
  std::size_t offset = 0;  // byte offset in the input (of the value, for attribute parsers)
  std::size_t line = 0;    // 1-based line number; 0 when not known (an attribute value on its own)
  char type = 0;           // the line type ('m', 'a'...); 0 when none
  std::string attribute;   // the attribute name for a= lines
  std::string detail;      // e.g. "payload type 200 is above 127"

  // "SDP decode error at byte 112 (line 7, a=rtpmap): bad attribute value: clock rate is not a number"
  std::string message() const;
};

namespace detail {
inline DecodeError error(DecodeErrorCode code, std::size_t offset, std::string detail) {
  return DecodeError{code, offset, 0, 0, {}, std::move(detail)};
}
}  // namespace detail

}  // namespace confab::sdp
