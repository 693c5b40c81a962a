#pragma once
// Helpers shared by the STUN unit tests: hex text to bytes, and the RFC 5769
// vectors stored as commented hex under tests/vectors/rfc5769/.
#include <cctype>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

#include "core/bytes.hpp"

namespace confab::stun::test {

// "00 01 a4" (whitespace anywhere, '#' starts a comment to end of line).
inline Bytes from_hex(std::string_view text) {
  Bytes out;
  int high = -1;
  bool comment = false;
  for (char c : text) {
    if (c == '\n') comment = false;
    if (comment || std::isspace(static_cast<unsigned char>(c))) continue;
    if (c == '#') {
      comment = true;
      continue;
    }
    int v = std::isdigit(static_cast<unsigned char>(c)) ? c - '0' : std::tolower(c) - 'a' + 10;
    if (high < 0) {
      high = v;
    } else {
      out.push_back(static_cast<std::uint8_t>(high * 16 + v));
      high = -1;
    }
  }
  return out;
}

inline Bytes load_vector(const std::string& name) {
  std::ifstream in(std::string(CONFAB_VECTORS_DIR) + "/rfc5769/" + name + ".hex");
  std::stringstream text;
  text << in.rdbuf();
  return from_hex(text.str());
}

inline Bytes to_bytes(std::string_view s) {
  ByteView b = as_bytes(s);
  return Bytes(b.begin(), b.end());
}

}  // namespace confab::stun::test
