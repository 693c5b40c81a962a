#pragma once
// UTF-8, the only encoding XMPP allows (RFC 6120 §11.6): an incremental
// validator for bytes arriving in arbitrary chunks, and the decoder the
// writer uses to keep what it emits well-formed.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/bytes.hpp"

namespace confab::xmpp {

// Checks UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing above
// U+10FFFF) across chunk boundaries: a character split between two feeds is
// fine. It checks encoding only; which characters XML allows is the parser's
// business.
class Utf8Validator {
 public:
  static constexpr std::size_t npos = static_cast<std::size_t>(-1);

  // The index in `bytes` of the first byte that cannot continue valid
  // UTF-8, or npos. After an error the validator must not be fed again.
  std::size_t feed(ByteView bytes);
  // True between characters; false inside a multi-byte one.
  bool at_boundary() const { return need_ == 0; }

 private:
  std::uint8_t need_ = 0;     // continuation bytes still expected
  std::uint8_t lo_ = 0x80;    // range allowed for the next continuation byte
  std::uint8_t hi_ = 0xBF;
};

// Decodes the character starting at s[i]: its code point and length, or a
// length of 0 for bytes that are not valid UTF-8 there.
struct Utf8Char {
  char32_t code_point = 0;
  std::size_t length = 0;
};
Utf8Char decode_utf8(std::string_view s, std::size_t i);

// XML 1.0 §2.2 Char: tab, newline, carriage return, and everything from
// U+0020 except surrogates, U+FFFE and U+FFFF.
inline bool is_xml_char(char32_t c) {
  return c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c <= 0xD7FF) || (c >= 0xE000 && c <= 0xFFFD) ||
         (c >= 0x10000 && c <= 0x10FFFF);
}

}  // namespace confab::xmpp
