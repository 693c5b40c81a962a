// Decode errors as one line a log reader can act on.
#include "sip/decode_error.hpp"

#include "core/text.hpp"

namespace confab::sip {

const char* to_string(DecodeErrorCode c) {
  using C = DecodeErrorCode;
  switch (c) {
    case C::empty: return "empty message";
    case C::too_large: return "message too large";
    case C::too_many_headers: return "too many header fields";
    case C::bad_start_line: return "bad start line";
    case C::bad_method: return "bad method";
    case C::bad_version: return "bad SIP version";
    case C::bad_status_code: return "bad status code";
    case C::bad_reason_phrase: return "bad reason phrase";
    case C::bad_request_uri: return "bad Request-URI";
    case C::bad_line_ending: return "bad line ending";
    case C::unterminated_headers: return "header section not terminated by an empty line";
    case C::bad_header_line: return "bad header line";
    case C::bad_header_value: return "bad header value";
    case C::value_out_of_range: return "value out of range";
    case C::bad_uri: return "bad URI";
    case C::bad_content_length: return "bad Content-Length";
    case C::missing_content_length: return "missing Content-Length";
    case C::body_truncated: return "body shorter than Content-Length";
  }
  return "unknown decode error";
}

std::string DecodeError::message() const { return decode_error_line("SIP", offset, header, to_string(code), detail); }

}  // namespace confab::sip
