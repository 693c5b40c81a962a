// parse(): one whole SIP message, strictly (RFC 3261 §7, §18.3, §25).
// Structure first (start line, header lines, folds, body framing), then each
// registered header against its grammar.
#include "sip/parser.hpp"

#include <cstring>

#include "sip/lex.hpp"

namespace confab::sip {
namespace {

using C = DecodeErrorCode;

DecodeError fail(C code, std::size_t at, std::string detail, std::string header = {}) {
  return DecodeError{code, at, std::move(header), std::move(detail)};
}

std::size_t find_crlf(std::string_view s, std::size_t from) {
  const std::size_t at = s.find("\r\n", from);
  return at == std::string_view::npos ? s.size() : at;
}

// A CR or LF inside [b, e) that is not a line ending, if any.
std::optional<std::size_t> stray_cr_lf(std::string_view s, std::size_t b, std::size_t e) {
  const auto* cr = static_cast<const char*>(std::memchr(s.data() + b, '\r', e - b));
  const auto* lf = static_cast<const char*>(std::memchr(s.data() + b, '\n', e - b));
  if (cr == nullptr && lf == nullptr) return std::nullopt;
  const char* first = cr == nullptr ? lf : lf == nullptr ? cr : (cr < lf ? cr : lf);
  return static_cast<std::size_t>(first - s.data());
}

// SIP-Version = "SIP" "/" 1*DIGIT "." 1*DIGIT (RFC 3261 §25.1; literal
// strings in ABNF are case-insensitive).
bool valid_version(std::string_view v) {
  if (v.size() < 7 || !lex::iequals(v.substr(0, 4), "SIP/")) return false;
  const std::size_t dot = v.find('.', 4);
  return dot != std::string_view::npos && lex::all_digits(v.substr(4, dot - 4)) &&
         lex::all_digits(v.substr(dot + 1));
}

std::optional<DecodeError> parse_request_line(Message& m, std::string_view s, std::size_t b, std::size_t e) {
  std::string_view line = s.substr(b, e - b);
  const std::size_t sp1 = line.find(' ');
  const std::size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos)
    return fail(C::bad_start_line, b, "expected \"Method SP Request-URI SP SIP-Version\"");
  if (const std::size_t sp3 = line.find(' ', sp2 + 1); sp3 != std::string_view::npos)
    return fail(C::bad_start_line, b + sp3, "more than two SP in the request line (no LWS allowed, RFC 3261 §7.1)");
  m.method = line.substr(0, sp1);
  if (m.method.empty() || !lex::all_of(m.method, lex::k_token))
    return fail(C::bad_method, b, "method is not a token");
  m.request_uri = line.substr(sp1 + 1, sp2 - sp1 - 1);
  m.version = line.substr(sp2 + 1);
  const std::size_t uri_at = b + sp1 + 1;
  if (m.request_uri.empty()) return fail(C::bad_start_line, uri_at, "two SP in a row in the request line");
  if (m.request_uri.front() == '<') return fail(C::bad_request_uri, uri_at, "Request-URI enclosed in <>");
  auto uri = parse_uri(m.request_uri);
  if (!uri) {
    DecodeError e2 = detail::rebase(uri.error(), uri_at, {});
    e2.code = C::bad_request_uri;
    return e2;
  }
  if (uri->is_sip() && !uri->headers.empty())
    return fail(C::bad_request_uri, uri_at, "headers ('?') are not allowed in a Request-URI (RFC 3261 §19.1.1)");
  if (!valid_version(m.version)) return fail(C::bad_version, b + sp2 + 1, lex::cat({"'", m.version, "'"}));
  return std::nullopt;
}

std::optional<DecodeError> parse_status_line(Message& m, std::string_view s, std::size_t b, std::size_t e) {
  std::string_view line = s.substr(b, e - b);
  m.kind = MessageKind::response;
  const std::size_t sp1 = line.find(' ');
  if (sp1 == std::string_view::npos) return fail(C::bad_start_line, b, "expected \"SIP-Version SP Status-Code SP Reason\"");
  m.version = line.substr(0, sp1);
  if (!valid_version(m.version)) return fail(C::bad_version, b, lex::cat({"'", m.version, "'"}));
  std::size_t sp2 = line.find(' ', sp1 + 1);
  std::string_view code = line.substr(sp1 + 1, sp2 == std::string_view::npos ? sp2 : sp2 - sp1 - 1);
  if (code.size() != 3 || !lex::all_digits(code) || code[0] < '1' || code[0] > '6')
    return fail(C::bad_status_code, b + sp1 + 1, lex::cat({"'", code.substr(0, 16), "' is not 100..699"}));
  m.status = static_cast<std::uint16_t>(*lex::number(code, 999));
  // An absent SP before an empty phrase is tolerated; the phrase may be
  // UTF-8 (RFC 4475 §3.1.1.12) but holds no control characters.
  m.reason = sp2 == std::string_view::npos ? std::string_view{} : line.substr(sp2 + 1);
  for (std::size_t i = 0; i < m.reason.size(); ++i) {
    const auto c = static_cast<unsigned char>(m.reason[i]);
    if ((c < 0x20 && c != '\t') || c == 0x7f)
      return fail(C::bad_reason_phrase, b + sp2 + 1 + i, "control character in the reason phrase");
  }
  return std::nullopt;
}

// Content-Length of the parsed headers: nullopt if absent; several must agree.
Result<std::optional<std::size_t>, DecodeError> content_length(const Message& m, std::string_view s) {
  std::optional<std::size_t> out;
  for (const Header& h : m.headers) {
    if (h.id != HeaderId::content_length) continue;
    const std::size_t at = static_cast<std::size_t>(h.value.data() - s.data());
    if (!lex::all_digits(h.value))
      return unexpected(fail(C::bad_content_length, at, lex::cat({"'", h.value, "' is not a number"}), std::string(h.name)));
    auto n = lex::number(h.value, 0xFFFFFFFFu);
    if (!n) return unexpected(fail(C::bad_content_length, at, "above 2^32-1", std::string(h.name)));
    if (out && *out != *n)
      return unexpected(fail(C::bad_content_length, at, "several Content-Length values that disagree", std::string(h.name)));
    out = static_cast<std::size_t>(*n);
  }
  return out;
}

Result<Message, DecodeError> parse_owned(std::string&& in, const Limits& limits) {
  if (in.empty()) return unexpected(fail(C::empty, 0, "no bytes"));
  if (in.size() > limits.max_message_size)
    return unexpected(fail(C::too_large, 0, lex::cat({std::to_string(in.size()), " bytes, the limit is ", std::to_string(limits.max_message_size)})));
  std::size_t start = 0;
  while (start + 1 < in.size() && in[start] == '\r' && in[start + 1] == '\n') start += 2;
  const std::size_t first_eol = in.find("\r\n", start);
  if (first_eol == std::string::npos) return unexpected(fail(C::bad_start_line, start, "no CRLF after the start line"));
  const std::size_t end = in.find("\r\n\r\n", first_eol);
  if (end == std::string::npos) return unexpected(fail(C::unterminated_headers, in.size(), "no empty line"));
  // Folding (RFC 3261 §7.3.1): CRLF followed by SP/HT is whitespace; make
  // it two spaces so header values are plain text views.
  for (std::size_t i = in.find("\r\n", first_eol + 2); i < end; i = in.find("\r\n", i + 2)) {
    if (in[i + 2] == ' ' || in[i + 2] == '\t') in[i] = in[i + 1] = ' ';
  }
  Message m;
  const std::string_view s = m.adopt(std::move(in));
  if (auto line_err = stray_cr_lf(s, start, first_eol)) return unexpected(fail(C::bad_line_ending, *line_err, "CR or LF inside the start line"));
  auto start_err = lex::iequals(s.substr(start, 4), "SIP/") ? parse_status_line(m, s, start, first_eol)
                                                            : parse_request_line(m, s, start, first_eol);
  if (start_err) return unexpected(std::move(*start_err));

  m.headers.reserve(16);
  std::size_t line = first_eol + 2;
  while (line < end + 2) {  // the last header line's CRLF is at `end`
    const std::size_t eol = find_crlf(s, line);
    if (auto stray = stray_cr_lf(s, line, eol)) return unexpected(fail(C::bad_line_ending, *stray, "CR or LF that is not CRLF"));
    if (lex::is_ws(s[line])) return unexpected(fail(C::bad_header_line, line, "folded line with no header before it"));
    if (m.headers.size() >= limits.max_headers)
      return unexpected(fail(C::too_many_headers, line, lex::cat({"more than ", std::to_string(limits.max_headers)})));
    std::size_t i = line;
    while (i < eol && lex::is(s[i], lex::k_token)) ++i;
    const std::string_view name = s.substr(line, i - line);
    i = lex::skip_ws(s, i);
    if (name.empty() || i >= eol || s[i] != ':')
      return unexpected(fail(C::bad_header_line, i, name.empty() ? "header name is not a token" : "no ':' after the header name"));
    const std::string_view value = lex::trim(s.substr(i + 1, eol - i - 1));
    m.headers.push_back(Header{header_id(name), name, value, line});
    line = eol + 2;
  }

  const std::size_t body_at = end + 4;
  auto cl = content_length(m, s);
  if (!cl) return unexpected(cl.error());
  const std::size_t available = s.size() - body_at;
  if (*cl && **cl > available)
    return unexpected(fail(C::body_truncated, body_at, lex::cat({"Content-Length ", std::to_string(**cl), " but ", std::to_string(available), " bytes follow"})));
  m.body = s.substr(body_at, *cl ? **cl : available);

  for (const Header& h : m.headers) {
    if (auto problem = validate_header(h.id, h.value))
      return unexpected(detail::rebase(std::move(*problem), static_cast<std::size_t>(h.value.data() - s.data()), h.name));
  }
  return m;
}

}  // namespace

Result<Message, DecodeError> parse(ByteView bytes, const Limits& limits) {
  if (bytes.size() > limits.max_message_size)  // before copying anything
    return unexpected(fail(C::too_large, 0, lex::cat({std::to_string(bytes.size()), " bytes, the limit is ", std::to_string(limits.max_message_size)})));
  return parse_owned(std::string(as_chars(bytes)), limits);
}

Result<Message, DecodeError> parse(std::string&& bytes, const Limits& limits) {
  return parse_owned(std::move(bytes), limits);
}

}  // namespace confab::sip
