#pragma once
// Internal to the parsers: the character classes of RFC 9110 §5.6 and the
// field rules both directions share (one header line, Content-Length,
// comma-separated token lists).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/message.hpp"

namespace confab::http::detail {

// tchar: "!#$%&'*+-.^_`|~", digits, letters.
bool is_tchar(char c);
bool is_token(std::string_view s);

// One field line without its CRLF: "Name: value". On failure, what is wrong
// (the caller adds where). Obsolete line folding (a line starting with
// whitespace) is refused, as is whitespace before the colon (§5.1: MUST).
std::optional<std::string> parse_field_line(std::string_view line, Header& out);

// 1*DIGIT, no sign, no spaces; nullopt on anything else or overflow.
std::optional<std::uint64_t> parse_decimal(std::string_view s);

// "a, b ,c" → {"a", "b", "c"}: the elements of a #token list (§5.6.1),
// empty elements skipped.
std::vector<std::string_view> list_elements(std::string_view value);

// Whether a comma-separated field value names `token` (case-insensitive).
bool list_contains(std::string_view value, std::string_view token);

}  // namespace confab::http::detail
