// parse_uri(): the strict decoder of sip:/sips:/tel: URIs (RFC 3261 §19.1,
// §25.1; RFC 3966) and the generic absoluteURI fallback.
#include <arpa/inet.h>

#include <cstring>

#include "sip/host.hpp"
#include "sip/lex.hpp"
#include "sip/uri.hpp"

namespace confab::sip {
namespace {

using lex::is;
using C = DecodeErrorCode;

DecodeError bad(std::size_t at, std::string detail) { return detail::error(C::bad_uri, at, std::move(detail)); }

std::string quote_char(char c) {
  if (c >= 0x21 && c < 0x7f) return std::string("'") + c + "'";
  static constexpr char hex[] = "0123456789abcdef";
  const auto u = static_cast<unsigned char>(c);
  return std::string("byte 0x") + hex[u >> 4] + hex[u & 15];
}

// ;name[=value] repeated, from s[i]; stops at the first character that does
// not start another parameter. pname and pvalue are 1*paramchar.
Result<std::size_t, DecodeError> parse_params(std::string_view s, std::size_t i, Params& out) {
  constexpr std::uint16_t paramchar = lex::k_unreserved | lex::k_param;
  std::size_t bad_escape = 0;
  while (i < s.size() && s[i] == ';') {
    const std::size_t name_at = ++i;
    i = lex::scan(s, i, paramchar, true, bad_escape);
    if (bad_escape != std::string_view::npos) return unexpected(bad(bad_escape, "'%' not followed by two hex digits"));
    if (i == name_at) return unexpected(bad(name_at, "empty URI parameter name"));
    Param p{s.substr(name_at, i - name_at), {}, false};
    if (i < s.size() && s[i] == '=') {
      const std::size_t value_at = ++i;
      i = lex::scan(s, i, paramchar, true, bad_escape);
      if (bad_escape != std::string_view::npos)
        return unexpected(bad(bad_escape, "'%' not followed by two hex digits"));
      if (i == value_at) return unexpected(bad(value_at, "empty value for URI parameter '" + std::string(p.name) + "'"));
      p.value = s.substr(value_at, i - value_at);
      p.has_value = true;
    }
    out.push_back(p);
  }
  return i;
}

// ?hname=hvalue *( "&" hname=hvalue ), from s[i] == '?'.
Result<std::size_t, DecodeError> parse_headers(std::string_view s, std::size_t i, Params& out) {
  constexpr std::uint16_t hchar = lex::k_unreserved | lex::k_hnv;
  std::size_t bad_escape = 0;
  do {
    const std::size_t name_at = ++i;
    i = lex::scan(s, i, hchar, true, bad_escape);
    if (bad_escape != std::string_view::npos) return unexpected(bad(bad_escape, "'%' not followed by two hex digits"));
    if (i == name_at) return unexpected(bad(name_at, "empty URI header name"));
    if (i >= s.size() || s[i] != '=') return unexpected(bad(i, "URI header without '='"));
    const std::size_t value_at = ++i;
    i = lex::scan(s, i, hchar, true, bad_escape);
    if (bad_escape != std::string_view::npos) return unexpected(bad(bad_escape, "'%' not followed by two hex digits"));
    out.push_back(Param{s.substr(name_at, value_at - 1 - name_at), s.substr(value_at, i - value_at), true});
  } while (i < s.size() && s[i] == '&');
  return i;
}

Result<Uri, DecodeError> parse_sip(Uri u, std::string_view s, std::size_t i) {
  std::size_t bad_escape = 0;
  if (s.find('@', i) != std::string_view::npos) {
    const std::size_t user_at = i;
    i = lex::scan(s, i, lex::k_unreserved | lex::k_user, true, bad_escape);
    if (bad_escape != std::string_view::npos) return unexpected(bad(bad_escape, "'%' not followed by two hex digits"));
    u.user = s.substr(user_at, i - user_at);
    if (i < s.size() && s[i] == ':') {
      const std::size_t pw_at = ++i;
      i = lex::scan(s, i, lex::k_unreserved | lex::k_password, true, bad_escape);
      if (bad_escape != std::string_view::npos)
        return unexpected(bad(bad_escape, "'%' not followed by two hex digits"));
      u.password = s.substr(pw_at, i - pw_at);
      u.has_password = true;
    }
    if (i >= s.size() || s[i] != '@') return unexpected(bad(i, quote_char(s[i]) + " not allowed in the userinfo"));
    if (u.user.empty()) return unexpected(bad(i, "empty user before '@'"));
    ++i;
  }
  const std::size_t host_at = i;
  if (i < s.size() && s[i] == '[') {
    const std::size_t close = s.find(']', i);
    if (close == std::string_view::npos) return unexpected(bad(i, "'[' without ']'"));
    u.host = s.substr(i + 1, close - i - 1);
    if (!detail::valid_ipv6(u.host)) return unexpected(bad(i + 1, "not an IPv6 address: " + std::string(u.host)));
    u.host_kind = HostKind::ipv6;
    i = close + 1;
  } else {
    while (i < s.size() && (is(s[i], lex::k_alnum) || s[i] == '-' || s[i] == '.')) ++i;
    u.host = s.substr(host_at, i - host_at);
    if (u.host.empty()) return unexpected(bad(host_at, "empty host"));
    if (detail::valid_ipv4(u.host)) {
      u.host_kind = HostKind::ipv4;
    } else if (detail::valid_hostname(u.host)) {
      u.host_kind = HostKind::hostname;
    } else {
      return unexpected(bad(host_at, "not a hostname or IPv4 address: " + std::string(u.host)));
    }
  }
  if (i < s.size() && s[i] == ':') {
    const std::size_t port_at = ++i;
    while (i < s.size() && lex::is_digit(s[i])) ++i;
    auto port = lex::number(s.substr(port_at, i - port_at), 65535);
    if (!port) return unexpected(bad(port_at, "port '" + std::string(s.substr(port_at, i - port_at)) + "' is not 0..65535"));
    u.port = static_cast<std::uint16_t>(*port);
  }
  auto after_params = parse_params(s, i, u.params);
  if (!after_params) return unexpected(after_params.error());
  i = *after_params;
  if (i < s.size() && s[i] == '?') {
    auto after_headers = parse_headers(s, i, u.headers);
    if (!after_headers) return unexpected(after_headers.error());
    i = *after_headers;
  }
  if (i != s.size()) return unexpected(bad(i, quote_char(s[i]) + " not allowed here"));
  return u;
}

// RFC 3966: global numbers start with "+" and hold digits; local ones may
// hold hex digits, "*" and "#"; both may hold visual separators "-.()".
Result<Uri, DecodeError> parse_tel(Uri u, std::string_view s, std::size_t i) {
  const std::size_t number_at = i;
  if (i < s.size() && s[i] == '+') ++i;
  const bool global = i > number_at;
  std::size_t digits = 0;
  for (; i < s.size() && s[i] != ';'; ++i) {
    const char c = s[i];
    if (lex::is_digit(c) || (!global && (is(c, lex::k_hex) || c == '*' || c == '#'))) {
      ++digits;
    } else if (c != '-' && c != '.' && c != '(' && c != ')') {
      return unexpected(bad(i, quote_char(c) + " not allowed in a telephone number"));
    }
  }
  if (digits == 0) return unexpected(bad(number_at, "telephone number without digits"));
  u.user = s.substr(number_at, i - number_at);
  auto end = parse_params(s, i, u.params);
  if (!end) return unexpected(end.error());
  if (*end != s.size()) return unexpected(bad(*end, quote_char(s[*end]) + " not allowed here"));
  return u;
}

}  // namespace

namespace detail {

bool valid_ipv4(std::string_view s) {
  int parts = 0;
  std::size_t i = 0;
  while (true) {
    std::size_t b = i;
    while (i < s.size() && lex::is_digit(s[i])) ++i;
    if (i == b || i - b > 3 || !lex::number(s.substr(b, i - b), 255)) return false;
    ++parts;
    if (i == s.size()) break;
    if (s[i] != '.') return false;
    ++i;
  }
  return parts == 4;
}

// hostname = *( domainlabel "." ) toplabel [ "." ]; labels are alphanum with
// inner "-", and the top label starts with a letter (so "1.2.3" is not a name).
bool valid_hostname(std::string_view s) {
  if (!s.empty() && s.back() == '.') s.remove_suffix(1);
  if (s.empty()) return false;
  std::size_t start = 0;
  while (true) {
    std::size_t dot = s.find('.', start);
    std::string_view label = s.substr(start, dot == std::string_view::npos ? dot : dot - start);
    if (label.empty() || label.front() == '-' || label.back() == '-') return false;
    for (char c : label)
      if (!is(c, lex::k_alnum) && c != '-') return false;
    if (dot == std::string_view::npos) return lex::is_alpha(label.front());
    start = dot + 1;
  }
}

bool valid_ipv6(std::string_view s) {
  char buf[INET6_ADDRSTRLEN + 1];
  if (s.empty() || s.size() >= sizeof buf) return false;
  std::memcpy(buf, s.data(), s.size());
  buf[s.size()] = '\0';
  unsigned char out[16];
  return inet_pton(AF_INET6, buf, out) == 1;
}

}  // namespace detail

const Param* find_param(const Params& params, std::string_view name) {
  for (const Param& p : params)
    if (lex::iequals(p.name, name)) return &p;
  return nullptr;
}

std::optional<std::string_view> Uri::param_value(std::string_view name) const {
  const Param* p = param(name);
  if (p == nullptr) return std::nullopt;
  return p->value;
}

Result<Uri, DecodeError> parse_uri(std::string_view s) {
  // scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )
  std::size_t i = 0;
  if (s.empty() || !lex::is_alpha(s[0])) return unexpected(bad(0, "a URI starts with a scheme"));
  while (i < s.size() && (is(s[i], lex::k_alnum) || s[i] == '+' || s[i] == '-' || s[i] == '.')) ++i;
  if (i >= s.size() || s[i] != ':') return unexpected(bad(i, "no ':' after the URI scheme"));
  Uri u;
  u.text = s;
  u.scheme_text = s.substr(0, i);
  ++i;
  if (lex::iequals(u.scheme_text, "sip")) {
    u.scheme = Scheme::sip;
    return parse_sip(std::move(u), s, i);
  }
  if (lex::iequals(u.scheme_text, "sips")) {
    u.scheme = Scheme::sips;
    return parse_sip(std::move(u), s, i);
  }
  if (lex::iequals(u.scheme_text, "tel")) {
    u.scheme = Scheme::tel;
    return parse_tel(std::move(u), s, i);
  }
  u.scheme = Scheme::other;
  u.opaque = s.substr(i);
  if (u.opaque.empty()) return unexpected(bad(i, "nothing after the URI scheme"));
  for (std::size_t j = i; j < s.size(); ++j)
    if (!is(s[j], lex::k_uric)) return unexpected(bad(j, quote_char(s[j]) + " not allowed in a URI"));
  return u;
}

}  // namespace confab::sip
