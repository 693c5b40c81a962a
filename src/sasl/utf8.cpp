#include "sasl/utf8.hpp"

#include <cstdint>

namespace confab::sasl {

bool is_valid_utf8(std::string_view s) {
  for (std::size_t at = 0; at < s.size();) {
    const auto b0 = static_cast<std::uint8_t>(s[at]);
    std::size_t len = 0;
    std::uint32_t cp = 0;
    std::uint32_t min = 0;
    if (b0 < 0x80) {
      ++at;
      continue;
    } else if ((b0 & 0xE0) == 0xC0) {
      len = 2, cp = b0 & 0x1Fu, min = 0x80;
    } else if ((b0 & 0xF0) == 0xE0) {
      len = 3, cp = b0 & 0x0Fu, min = 0x800;
    } else if ((b0 & 0xF8) == 0xF0) {
      len = 4, cp = b0 & 0x07u, min = 0x10000;
    } else {
      return false;
    }
    if (s.size() - at < len) return false;
    for (std::size_t i = 1; i < len; ++i) {
      const auto b = static_cast<std::uint8_t>(s[at + i]);
      if ((b & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (b & 0x3Fu);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    at += len;
  }
  return true;
}

}  // namespace confab::sasl
