#pragma once
// Internal to confab_stun: the pieces of the wire format that parse(), the
// accessors and MessageBuilder share. Not part of the public API.
#include <cstdint>
#include <optional>
#include <string>

#include "core/address.hpp"
#include "core/bytes.hpp"
#include "core/result.hpp"
#include "stun/message.hpp"

namespace confab::stun::detail {

// RFC 8489 §5: the 14-bit message type interleaves 12 method bits (M0-M11)
// with the 2 class bits (C0 at bit 4, C1 at bit 8).
std::uint16_t encode_type(MessageClass cls, std::uint16_t method);
MessageClass type_class(std::uint16_t type);
std::uint16_t type_method(std::uint16_t type);

inline constexpr std::uint8_t family_ipv4 = 0x01;
inline constexpr std::uint8_t family_ipv6 = 0x02;

// MAPPED-ADDRESS layout (RFC 8489 §14.1). The error is a human detail.
Result<SocketAddress, std::string> decode_address(ByteView value);
void encode_address(ByteWriter& w, const SocketAddress& a);
// The same into `out` (room for 20 bytes); returns the bytes written (8 or 20).
std::size_t encode_address(std::uint8_t* out, const SocketAddress& a);
// XOR-MAPPED-ADDRESS (§14.2): port with the cookie's top 16 bits, address
// with the cookie (IPv4) or cookie + transaction ID (IPv6). Applying it twice
// gives the address back. `cookie_and_id` is header bytes 4..20.
SocketAddress xor_address(const SocketAddress& a, ByteView cookie_and_id);

// CRC-32 (ISO-HDLC, as zlib and Ethernet), fed in pieces.
std::uint32_t crc32_update(std::uint32_t crc, ByteView data);
inline constexpr std::uint32_t fingerprint_xor = 0x5354554e;
// FINGERPRINT value for a message whose first `header` 20 bytes (length
// already adjusted) are followed by `body`.
std::uint32_t fingerprint_value(ByteView header, ByteView body);

enum class Hmac : std::uint8_t { sha1, sha256 };
// HMAC over header (20 bytes, length adjusted) followed by body. Returns the
// full MAC (20 or 32 bytes); empty if OpenSSL fails.
Bytes hmac(Hmac alg, ByteView key, ByteView header, ByteView body);

// Validates a known attribute's value against its registry row; the error is
// a human detail (offsets are added by the caller).
std::optional<std::string> validate_value(std::uint16_t type, ByteView value);

}  // namespace confab::stun::detail
