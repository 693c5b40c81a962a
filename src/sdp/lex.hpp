#pragma once
// Character classes and small scanners from RFC 8866 §9 (and RFC 8839's
// ice-char), shared by the SDP parsers. Internal to confab_sdp.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace confab::sdp::lex {

inline bool is_digit(char c) { return c >= '0' && c <= '9'; }
inline bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
inline bool is_alnum(char c) { return is_digit(c) || is_alpha(c); }

// token-char = %x21 / %x23-27 / %x2A-2B / %x2D-2E / %x30-39 / %x41-5A / %x5E-7E
inline bool is_token_char(char ch) {
  const auto c = static_cast<unsigned char>(ch);
  return c == 0x21 || (c >= 0x23 && c <= 0x27) || c == 0x2A || c == 0x2B || c == 0x2D || c == 0x2E ||
         (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x5E && c <= 0x7E);
}
inline bool is_token(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!is_token_char(c)) return false;
  return true;
}
// VCHAR = %x21-7E
inline bool is_vchar(char c) { return c >= 0x21 && c <= 0x7E; }
inline bool all_vchar(std::string_view s) {
  for (char c : s)
    if (!is_vchar(c)) return false;
  return true;
}
// ice-char = ALPHA / DIGIT / "+" / "/" (RFC 8839 §5.1)
inline bool is_ice_char(char c) { return is_alnum(c) || c == '+' || c == '/'; }
inline bool all_ice_chars(std::string_view s) {
  for (char c : s)
    if (!is_ice_char(c)) return false;
  return true;
}
inline bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!is_digit(c)) return false;
  return true;
}

// 1*DIGIT no larger than `max`; nullopt otherwise (empty, non-digit, overflow).
inline std::optional<std::uint64_t> number(std::string_view s, std::uint64_t max = UINT64_MAX) {
  if (!all_digits(s)) return std::nullopt;
  std::uint64_t v = 0;
  for (char c : s) {
    const auto d = static_cast<std::uint64_t>(c - '0');
    if (v > (max - d) / 10) return std::nullopt;
    v = v * 10 + d;
  }
  return v;
}

inline bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

// Fields separated by exactly one SP each (o=, c=, m=, t=...). An empty
// field (two SP in a row, a leading or trailing SP) is kept as an empty
// view so the caller can say where it is.
struct Field {
  std::string_view text;
  std::size_t at = 0;  // offset within the split string
};
inline std::vector<Field> split_sp(std::string_view s) {
  std::vector<Field> out;
  std::size_t b = 0;
  while (true) {
    const std::size_t e = s.find(' ', b);
    if (e == std::string_view::npos) {
      out.push_back({s.substr(b), b});
      return out;
    }
    out.push_back({s.substr(b, e - b), b});
    b = e + 1;
  }
}
// Fields separated by one or more SP/HT (RFC 4568's 1*WSP).
inline std::vector<Field> split_wsp(std::string_view s) {
  std::vector<Field> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
    if (i >= s.size()) break;
    const std::size_t b = i;
    while (i < s.size() && s[i] != ' ' && s[i] != '\t') ++i;
    out.push_back({s.substr(b, i - b), b});
  }
  return out;
}

inline std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// FQDN = 4*(alpha-numeric / "-" / ".") (RFC 8866 §9).
inline bool is_fqdn(std::string_view s) {
  if (s.size() < 4) return false;
  for (char c : s)
    if (!is_alnum(c) && c != '-' && c != '.') return false;
  return true;
}

}  // namespace confab::sdp::lex
