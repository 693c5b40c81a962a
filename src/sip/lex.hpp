#pragma once
// Character classes and small scanners from RFC 3261 §25.1, shared by the
// SIP value parsers. Internal to confab_sip.
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <initializer_list>
#include <string>
#include <string_view>

namespace confab::sip::lex {

// One table, one bit per class, so a class test is a load and a mask.
enum : std::uint16_t {
  k_alnum = 1u << 0,
  k_token = 1u << 1,        // alphanum / "-" "." "!" "%" "*" "_" "+" "`" "'" "~"
  k_unreserved = 1u << 2,   // alphanum / mark ("-" "_" "." "!" "~" "*" "'" "(" ")")
  k_user = 1u << 3,         // user-unreserved "&" "=" "+" "$" "," ";" "?" "/"
  k_password = 1u << 4,     // "&" "=" "+" "$" ","
  k_param = 1u << 5,        // param-unreserved "[" "]" "/" ":" "&" "+" "$"
  k_hnv = 1u << 6,          // hnv-unreserved "[" "]" "/" "?" ":" "+" "$"
  k_word = 1u << 7,         // word: token plus "(" ")" "<" ">" ":" "\" DQUOTE "/" "[" "]" "?" "{" "}"
  k_hex = 1u << 8,
  k_uric = 1u << 9,         // any visible character a generic absoluteURI may hold
};

constexpr std::array<std::uint16_t, 256> make_table() {
  std::array<std::uint16_t, 256> t{};
  for (int c = 0; c < 256; ++c) {
    std::uint16_t v = 0;
    const bool alnum = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    if (alnum) v |= k_alnum | k_token | k_unreserved | k_word;
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')) v |= k_hex;
    if (c > 0x20 && c < 0x7f && c != '<' && c != '>' && c != '"' && c != '{' && c != '}' && c != '|' &&
        c != '\\' && c != '^' && c != '`')
      v |= k_uric;
    t[static_cast<std::size_t>(c)] = v;
  }
  auto add = [&t](std::string_view chars, std::uint16_t bit) {
    for (char ch : chars) t[static_cast<unsigned char>(ch)] |= bit;
  };
  add("-.!%*_+`'~", k_token | k_word);
  add("-_.!~*'()", k_unreserved);
  add("()<>:\\\"/[]?{}", k_word);
  add("&=+$,;?/", k_user);
  add("&=+$,", k_password);
  add("[]/:&+$", k_param);
  add("[]/?:+$", k_hnv);
  return t;
}
inline constexpr std::array<std::uint16_t, 256> table = make_table();

constexpr bool is(char c, std::uint16_t cls) { return (table[static_cast<unsigned char>(c)] & cls) != 0; }
constexpr bool is_ws(char c) { return c == ' ' || c == '\t'; }
constexpr bool is_digit(char c) { return c >= '0' && c <= '9'; }
constexpr bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
constexpr char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

// Concatenation for error details. Chains of std::string operator+ trip
// GCC 12's -Wrestrict false positive (GCC bug 105329) at -O2.
inline std::string cat(std::initializer_list<std::string_view> parts) {
  std::size_t n = 0;
  for (std::string_view p : parts) n += p.size();
  std::string out;
  out.reserve(n);
  for (std::string_view p : parts) out.append(p);
  return out;
}

inline bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i])) return false;
  return true;
}

inline bool all_of(std::string_view s, std::uint16_t cls) {
  for (char c : s)
    if (!is(c, cls)) return false;
  return true;
}

inline std::size_t skip_ws(std::string_view s, std::size_t i) {
  while (i < s.size() && is_ws(s[i])) ++i;
  return i;
}

inline std::string_view trim(std::string_view s) {
  std::size_t b = 0, e = s.size();
  while (b < e && is_ws(s[b])) ++b;
  while (e > b && is_ws(s[e - 1])) --e;
  return s.substr(b, e - b);
}

// Index of the first character of `s` not in `cls`, allowing %HH escapes
// when `escapes` is true; npos-free: returns s.size() at the end. Sets
// `bad_escape` to the index of a '%' not followed by two hex digits.
inline std::size_t scan(std::string_view s, std::size_t i, std::uint16_t cls, bool escapes,
                        std::size_t& bad_escape) {
  bad_escape = std::string_view::npos;
  while (i < s.size()) {
    char c = s[i];
    if (escapes && c == '%') {
      if (i + 2 < s.size() && is(s[i + 1], k_hex) && is(s[i + 2], k_hex)) {
        i += 3;
        continue;
      }
      bad_escape = i;
      return i;
    }
    if (!is(c, cls)) return i;
    ++i;
  }
  return i;
}

// Parses a decimal number of at most `max`; nullopt if empty, not all digits,
// or above `max` (checked without overflow, however many digits).
inline std::optional<std::uint64_t> number(std::string_view s, std::uint64_t max) {
  if (s.empty()) return std::nullopt;
  std::uint64_t v = 0;
  for (char c : s) {
    if (!is_digit(c)) return std::nullopt;
    const auto d = static_cast<std::uint64_t>(c - '0');
    if (v > (max - d) / 10) return std::nullopt;
    v = v * 10 + d;
  }
  return v;
}
inline bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!is_digit(c)) return false;
  return true;
}

// End of a quoted-string starting at s[i] == '"' (index just past the closing
// quote), honouring quoted-pair; nullopt if it never closes. RFC 3261 lets
// quoted-pair escape any octet but CR and LF (0x0A, 0x0D).
inline std::optional<std::size_t> quoted_end(std::string_view s, std::size_t i) {
  ++i;
  while (i < s.size()) {
    char c = s[i];
    if (c == '"') return i + 1;
    if (c == '\\') {
      if (i + 1 >= s.size() || s[i + 1] == '\r' || s[i + 1] == '\n') return std::nullopt;
      i += 2;
      continue;
    }
    if (c == '\r' || c == '\n') return std::nullopt;
    ++i;
  }
  return std::nullopt;
}

}  // namespace confab::sip::lex
