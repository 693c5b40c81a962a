// Decode errors as one line a log reader can act on.
#include "sdp/decode_error.hpp"

#include "core/text.hpp"

namespace confab::sdp {

const char* to_string(DecodeErrorCode c) {
  using C = DecodeErrorCode;
  switch (c) {
    case C::empty: return "empty session description";
    case C::too_large: return "session description too large";
    case C::too_many_lines: return "too many lines";
    case C::too_many_media: return "too many media sections";
    case C::bad_line_ending: return "bad line ending";
    case C::bad_line: return "bad line";
    case C::unknown_line_type: return "unknown line type";
    case C::out_of_order: return "line out of order";
    case C::duplicate_line: return "duplicate line";
    case C::missing_line: return "missing line";
    case C::bad_version: return "bad version";
    case C::bad_origin: return "bad origin";
    case C::bad_text: return "bad text field";
    case C::bad_connection: return "bad connection data";
    case C::bad_bandwidth: return "bad bandwidth";
    case C::bad_time: return "bad time field";
    case C::bad_media: return "bad media line";
    case C::bad_attribute: return "bad attribute";
    case C::bad_attribute_value: return "bad attribute value";
    case C::duplicate_attribute: return "duplicate attribute";
    case C::value_out_of_range: return "value out of range";
  }
  return "unknown decode error";
}

std::string DecodeError::message() const {
  std::string where;
  if (line != 0) where = "line " + std::to_string(line);
  if (type != 0) {
    if (!where.empty()) where += ", ";
    where += type;
    where += '=';
    if (type == 'a' && !attribute.empty()) where += printable(attribute, 64);
  } else if (!attribute.empty()) {
    if (!where.empty()) where += ", ";
    where += "a=" + printable(attribute, 64);
  }
  return decode_error_line("SDP", offset, where, to_string(code), detail);
}

}  // namespace confab::sdp
