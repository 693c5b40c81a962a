#pragma once
// Base64 (RFC 4648 §4), strictly: SCRAM's salts, proofs, signatures and
// channel bindings travel in it, and so does every XMPP SASL payload
// (RFC 6120 §6.4.2). Decoding refuses what a canonical encoder would never
// produce: whitespace, a length that is not a multiple of 4, '=' anywhere
// but the end, and non-zero bits in the last character before the padding
// (RFC 4648 §3.5), so one byte string has exactly one accepted text.
#include <optional>
#include <string>
#include <string_view>

#include "core/bytes.hpp"

namespace confab {

std::string base64_encode(ByteView data);
std::optional<Bytes> base64_decode(std::string_view text);

}  // namespace confab
