// FINGERPRINT (RFC 8489 §14.7): CRC-32 of the message up to the attribute,
// XORed with 0x5354554e so that a STUN message carried inside another
// CRC-protected protocol does not look like it is checksummed twice.
#include <array>

#include "stun/wire.hpp"

namespace confab::stun::detail {
namespace {

// Reflected CRC-32, polynomial 0x04C11DB7 (0xEDB88320 reversed), one byte per step.
constexpr std::array<std::uint32_t, 256> make_crc_table() {
  std::array<std::uint32_t, 256> table{};
  for (std::uint32_t n = 0; n < 256; ++n) {
    std::uint32_t c = n;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    table[n] = c;
  }
  return table;
}
constexpr auto crc_table = make_crc_table();

}  // namespace

std::uint32_t crc32_update(std::uint32_t crc, ByteView data) {
  crc = ~crc;
  for (std::uint8_t b : data) crc = crc_table[(crc ^ b) & 0xFF] ^ (crc >> 8);
  return ~crc;
}

std::uint32_t fingerprint_value(ByteView header, ByteView body) {
  return crc32_update(crc32_update(0, header), body) ^ fingerprint_xor;
}

}  // namespace confab::stun::detail
