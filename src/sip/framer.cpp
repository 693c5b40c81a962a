// frame_size(): where the next message (or CRLF keep-alive) ends on a
// stream transport (RFC 3261 §18.3, RFC 5626 §3.5.1). Reads only the
// header section; parse() does the full check of the frame.
#include <algorithm>

#include "sip/lex.hpp"
#include "sip/parser.hpp"

namespace confab::sip {
namespace {

using C = DecodeErrorCode;

DecodeError fail(C code, std::size_t at, std::string detail) { return DecodeError{code, at, {}, std::move(detail)}; }

// The Content-Length in a header section (start line excluded), unfolded
// values included; several values must agree.
Result<std::optional<std::size_t>, DecodeError> find_content_length(std::string_view s, std::size_t from) {
  std::optional<std::size_t> out;
  std::size_t line = from;
  while (line < s.size()) {
    std::size_t eol = s.find("\r\n", line);
    if (eol == std::string_view::npos) eol = s.size();
    std::size_t i = line;
    while (i < eol && lex::is(s[i], lex::k_token)) ++i;
    const std::string_view name = s.substr(line, i - line);
    i = lex::skip_ws(s, i);
    if (!name.empty() && i < eol && s[i] == ':' && header_id(name) == HeaderId::content_length) {
      // A folded value continues on lines starting with whitespace.
      std::size_t value_end = eol;
      while (value_end + 2 < s.size() && lex::is_ws(s[value_end + 2])) {
        const std::size_t next = s.find("\r\n", value_end + 2);
        value_end = next == std::string_view::npos ? s.size() : next;
      }
      std::string digits;
      for (std::size_t k = i + 1; k < value_end; ++k)
        if (!lex::is_ws(s[k]) && s[k] != '\r' && s[k] != '\n') digits += s[k];
      auto n = lex::number(digits, 0xFFFFFFFFu);
      if (!n) return unexpected(fail(C::bad_content_length, i + 1, lex::cat({"'", std::string_view(digits).substr(0, 32), "' is not a length"})));
      if (out && *out != *n) return unexpected(fail(C::bad_content_length, i + 1, "several Content-Length values that disagree"));
      out = static_cast<std::size_t>(*n);
      eol = value_end;
    }
    line = eol + 2;
  }
  return out;
}

}  // namespace

Result<std::optional<Frame>, DecodeError> frame_size(ByteView buffered, const Limits& limits, bool lone_crlf_is_pong) {
  const std::string_view s = as_chars(buffered);
  if (s.empty()) return std::optional<Frame>{};
  if (s[0] == '\r') {
    if (s.size() >= 2 && s[1] != '\n') return unexpected(fail(C::bad_line_ending, 1, "CR not followed by LF"));
    if (s.size() >= 4 && s.substr(0, 4) == "\r\n\r\n") return std::optional(Frame{FrameKind::ping, 4});
    if (s.size() >= 3 && s[2] != '\r') return std::optional(Frame{FrameKind::pong, 2});
    if (s.size() == 4) return std::optional(Frame{FrameKind::pong, 2});  // "\r\n\r" + not '\n'
    if (lone_crlf_is_pong && s.size() >= 2) return std::optional(Frame{FrameKind::pong, 2});
    return std::optional<Frame>{};  // "\r", "\r\n" or "\r\n\r": wait for the rest
  }
  const std::size_t window = std::min(s.size(), limits.max_message_size);
  const std::size_t end = s.substr(0, window).find("\r\n\r\n");
  if (end == std::string_view::npos) {
    if (s.size() >= limits.max_message_size)
      return unexpected(fail(C::too_large, 0, lex::cat({"no end of headers within ", std::to_string(limits.max_message_size), " bytes"})));
    return std::optional<Frame>{};
  }
  const std::size_t first_eol = s.find("\r\n");
  auto cl = find_content_length(s.substr(0, end), first_eol + 2);
  if (!cl) return unexpected(cl.error());
  if (!*cl) return unexpected(fail(C::missing_content_length, 0, "Content-Length is mandatory on stream transports (RFC 3261 §18.3)"));
  const std::size_t total = end + 4 + **cl;
  if (total > limits.max_message_size)
    return unexpected(fail(C::too_large, 0, lex::cat({std::to_string(total), " bytes, the limit is ", std::to_string(limits.max_message_size)})));
  if (total > s.size()) return std::optional<Frame>{};
  return std::optional(Frame{FrameKind::message, total});
}

}  // namespace confab::sip
