// Decode errors as one line a log reader can act on.
#include "stun/decode_error.hpp"

#include "stun/attributes.hpp"
#include "core/text.hpp"

namespace confab::stun {

const char* to_string(DecodeErrorCode c) {
  switch (c) {
    case DecodeErrorCode::too_short: return "too short for a STUN header";
    case DecodeErrorCode::not_stun: return "not STUN (leading bits are not 00)";
    case DecodeErrorCode::bad_length: return "bad message length";
    case DecodeErrorCode::truncated_attribute: return "truncated attribute";
    case DecodeErrorCode::bad_attribute_value: return "bad attribute value";
    case DecodeErrorCode::attribute_after_integrity: return "attribute after MESSAGE-INTEGRITY";
    case DecodeErrorCode::attribute_after_fingerprint: return "attribute after FINGERPRINT";
    case DecodeErrorCode::fingerprint_mismatch: return "FINGERPRINT mismatch";
  }
  return "unknown decode error";
}

std::string DecodeError::message() const {
  return decode_error_line("STUN", offset, attribute != 0 ? attr::name(attribute) : std::string_view{}, to_string(code),
                           detail);
}

}  // namespace confab::stun
