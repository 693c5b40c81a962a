#pragma once
// Why a SIP message (or one of its parts) failed to decode, and where.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace confab::sip {

enum class DecodeErrorCode : std::uint8_t {
  empty,                  // no bytes at all
  too_large,              // over Limits::max_message_size
  too_many_headers,       // over Limits::max_headers
  bad_start_line,         // not "Method SP URI SP SIP/x.y" nor "SIP/x.y SP code SP reason"
  bad_method,             // method is not a token
  bad_version,            // not SIP "/" 1*DIGIT "." 1*DIGIT
  bad_status_code,        // not three digits in 100..699
  bad_reason_phrase,      // control characters in the reason phrase
  bad_request_uri,        // not an absoluteURI, or a sip:/sips:/tel: URI that does not parse
  bad_line_ending,        // CR or LF that is not part of CRLF in the header section
  unterminated_headers,   // no empty line ends the header section
  bad_header_line,        // no colon, a name that is not a token, a fold with nothing to continue
  bad_header_value,       // a known header whose value does not match its grammar
  value_out_of_range,     // a number too large for its field (CSeq, Max-Forwards, expires...)
  bad_uri,                // a URI inside a header value
  bad_content_length,     // not a number, or several Content-Length values that disagree
  missing_content_length, // on a stream transport Content-Length is mandatory (RFC 3261 §18.3)
  body_truncated,         // Content-Length larger than the bytes that follow the headers
};
const char* to_string(DecodeErrorCode c);

struct DecodeError {
  DecodeErrorCode code = DecodeErrorCode::empty;
  // Byte offset in the input where it went wrong (for a header value, the
  // offset of the offending character within the whole message).
  std::size_t offset = 0;
  std::string header;  // the header involved, as named on the wire; empty if none
  std::string detail;  // e.g. "port 70000 is above 65535"

  // "SIP decode error at byte 112 (Via): bad header value: empty parameter name"
  std::string message() const;
};

namespace detail {
// Errors built by the value parsers carry offsets relative to the value;
// the message parser moves them to the message and names the header.
inline DecodeError error(DecodeErrorCode code, std::size_t offset, std::string detail) {
  return DecodeError{code, offset, {}, std::move(detail)};
}
inline DecodeError rebase(DecodeError e, std::size_t base, std::string_view header) {
  e.offset += base;
  if (e.header.empty()) e.header = std::string(header);
  return e;
}
}  // namespace detail

}  // namespace confab::sip
