// Decode errors as one line a log reader can act on.
#include "rtp/decode_error.hpp"

#include "core/text.hpp"

namespace confab::rtp {

const char* to_string(DecodeErrorCode c) {
  switch (c) {
    case DecodeErrorCode::too_short: return "too short";
    case DecodeErrorCode::bad_version: return "version is not 2";
    case DecodeErrorCode::bad_padding: return "bad padding";
    case DecodeErrorCode::truncated: return "truncated";
    case DecodeErrorCode::bad_length: return "bad length";
    case DecodeErrorCode::bad_value: return "bad value";
    case DecodeErrorCode::not_first_sr_rr: return "compound packet does not start with SR or RR";
    case DecodeErrorCode::padding_not_last: return "padding on a packet that is not the last";
    case DecodeErrorCode::bad_extension: return "bad header extension";
  }
  return "unknown decode error";
}

std::string DecodeError::message() const {
  std::string where;
  if (packet_index) where = "packet " + std::to_string(*packet_index);
  if (!field.empty()) where += (where.empty() ? "" : ", ") + field;
  return decode_error_line(rtcp ? "RTCP" : "RTP", offset, where, to_string(code), detail);
}

}  // namespace confab::rtp
