#pragma once
// Small text helpers every protocol needs: hex for digests, tokens and IDs,
// ASCII case folding for case-insensitive names, and the one-line decode
// error every codec reports ("SIP decode error at byte 47 (Max-Forwards): ...").
#include <algorithm>
#include <cctype>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.hpp"

namespace confab {

// Lowercase hex, two digits a byte.
inline std::string to_hex(ByteView bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (std::uint8_t b : bytes) {
    out.push_back(digits[b >> 4]);
    out.push_back(digits[b & 0x0F]);
  }
  return out;
}

// "a,b,c" → {"a", "b", "c"}; empty items are kept ("a,,b" has three).
inline std::vector<std::string> split_list(std::string_view s, char sep = ',') {
  std::vector<std::string> out;
  for (std::size_t start = 0; start <= s.size();) {
    const auto end = std::min(s.find(sep, start), s.size());
    out.emplace_back(s.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

inline std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Untrusted text made safe for one log line: printable ASCII kept, anything
// else (control characters, quotes, bytes >= 0x80) as \xNN, at most `max`
// input bytes ("..." marks the cut). A username from the network cannot
// forge log lines or fool a log-scanning tool this way.
inline std::string printable(std::string_view s, std::size_t max = 128) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < s.size() && i < max; ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
      out.push_back(static_cast<char>(c));
    } else {
      out += "\\x";
      out.push_back(digits[c >> 4]);
      out.push_back(digits[c & 0x0F]);
    }
  }
  if (s.size() > max) out += "...";
  return out;
}

// "<PROTOCOL> decode error at byte N (<where>): <what>: <detail>"; the parts
// in parentheses and after the second colon are left out when empty.
inline std::string decode_error_line(std::string_view protocol, std::size_t offset, std::string_view where,
                                     std::string_view what, std::string_view detail) {
  std::string out(protocol);
  out += " decode error at byte " + std::to_string(offset);
  if (!where.empty()) (out += " (").append(where) += ')';
  (out += ": ").append(what);
  if (!detail.empty()) (out += ": ").append(detail);
  return out;
}

}  // namespace confab
