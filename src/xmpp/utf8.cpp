// A byte-at-a-time UTF-8 check (the table in RFC 3629 §4): the lead byte
// fixes how many continuation bytes follow and the range of the first one,
// which is what rules out overlong forms (E0, F0), surrogates (ED) and code
// points above U+10FFFF (F4).
#include "xmpp/utf8.hpp"

namespace confab::xmpp {

std::size_t Utf8Validator::feed(ByteView bytes) {
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    const std::uint8_t b = bytes[i];
    if (need_ > 0) {
      if (b < lo_ || b > hi_) return i;
      --need_;
      lo_ = 0x80;
      hi_ = 0xBF;
      continue;
    }
    if (b < 0x80) continue;
    if (b >= 0xC2 && b <= 0xDF) {
      need_ = 1;
    } else if (b >= 0xE0 && b <= 0xEF) {
      need_ = 2;
      if (b == 0xE0) lo_ = 0xA0;  // shorter forms are overlong
      if (b == 0xED) hi_ = 0x9F;  // U+D800..U+DFFF are surrogates
    } else if (b >= 0xF0 && b <= 0xF4) {
      need_ = 3;
      if (b == 0xF0) lo_ = 0x90;
      if (b == 0xF4) hi_ = 0x8F;  // above U+10FFFF
    } else {
      return i;  // a stray continuation byte, C0/C1 (overlong) or F5..FF
    }
  }
  return npos;
}

Utf8Char decode_utf8(std::string_view s, std::size_t i) {
  Utf8Validator v;
  const auto lead = static_cast<std::uint8_t>(s[i]);
  const std::size_t length = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
  if (i + length > s.size()) return {};
  ByteView bytes = as_bytes(s.substr(i, length));
  if (v.feed(bytes) != Utf8Validator::npos || !v.at_boundary()) return {};
  char32_t cp = length == 1 ? lead : length == 2 ? (lead & 0x1Fu) : length == 3 ? (lead & 0x0Fu) : (lead & 0x07u);
  for (std::size_t k = 1; k < length; ++k) cp = (cp << 6) | (bytes[k] & 0x3Fu);
  return {cp, length};
}

}  // namespace confab::xmpp
