#pragma once
// Helpers shared by the SIP unit tests: RFC 4475 vectors from
// tests/vectors/rfc4475/, and messages written with "\n" line ends.
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

namespace confab::sip::test {

inline std::string load_torture(const std::string& name) {
  std::ifstream in(std::string(CONFAB_VECTORS_DIR) + "/rfc4475/" + name + ".dat", std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// "a\nb\n" -> "a\r\nb\r\n": tests write messages readably.
inline std::string crlf(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\n') out += '\r';
    out += c;
  }
  return out;
}

}  // namespace confab::sip::test
