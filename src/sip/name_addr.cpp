// name-addr / addr-spec and generic header parameters (RFC 3261 §25.1).
#include "sip/name_addr.hpp"

#include "sip/lex.hpp"

namespace confab::sip {
namespace {

using C = DecodeErrorCode;

DecodeError bad(std::size_t at, std::string detail) {
  return detail::error(C::bad_header_value, at, std::move(detail));
}

DecodeError shifted(DecodeError e, std::size_t by) {
  e.offset += by;
  return e;
}

// gen-value = token / host / quoted-string; host adds ':' '[' ']' for IPv6.
bool gen_value_char(char c) { return lex::is(c, lex::k_token) || c == ':' || c == '[' || c == ']'; }

}  // namespace

Result<std::size_t, DecodeError> parse_header_params(std::string_view s, std::size_t i, Params& out) {
  while (true) {
    std::size_t j = lex::skip_ws(s, i);
    if (j >= s.size() || s[j] != ';') return i;
    j = lex::skip_ws(s, j + 1);
    const std::size_t name_at = j;
    while (j < s.size() && lex::is(s[j], lex::k_token)) ++j;
    if (j == name_at) return unexpected(bad(name_at, "empty parameter name"));
    Param p{s.substr(name_at, j - name_at), {}, false};
    i = j;
    std::size_t k = lex::skip_ws(s, j);
    if (k < s.size() && s[k] == '=') {
      k = lex::skip_ws(s, k + 1);
      const std::size_t value_at = k;
      if (k < s.size() && s[k] == '"') {
        auto end = lex::quoted_end(s, k);
        if (!end) return unexpected(bad(k, "unterminated quoted string"));
        k = *end;
      } else {
        while (k < s.size() && gen_value_char(s[k])) ++k;
        if (k == value_at) return unexpected(bad(value_at, "empty value for parameter '" + std::string(p.name) + "'"));
      }
      p.value = s.substr(value_at, k - value_at);
      p.has_value = true;
      i = k;
    }
    out.push_back(p);
  }
}

Result<NameAddr, DecodeError> parse_name_addr(std::string_view s) {
  NameAddr na;
  std::size_t i = lex::skip_ws(s, 0);
  std::size_t uri_at = 0, uri_end = 0;
  if (i < s.size() && s[i] == '"') {
    auto end = lex::quoted_end(s, i);
    if (!end) return unexpected(bad(i, "unterminated quoted display name"));
    na.display_name = s.substr(i, *end - i);
    i = lex::skip_ws(s, *end);
    if (i >= s.size() || s[i] != '<') return unexpected(bad(i, "a quoted display name must be followed by <URI>"));
  } else if (const std::size_t lt = s.find('<', i); lt != std::string_view::npos) {
    // display-name = *(token LWS): tokens only, so "Bell, Alexander" fails.
    std::string_view name = lex::trim(s.substr(i, lt - i));
    for (std::size_t k = 0; k < name.size(); ++k) {
      if (!lex::is(name[k], lex::k_token) && !lex::is_ws(name[k])) {
        const std::size_t at = static_cast<std::size_t>(name.data() - s.data()) + k;
        return unexpected(bad(at, std::string("'") + name[k] + "' in an unquoted display name"));
      }
    }
    na.display_name = name;
    i = lt;
  }
  if (i < s.size() && s[i] == '<') {
    na.angle = true;
    uri_at = i + 1;
    uri_end = s.find('>', uri_at);
    if (uri_end == std::string_view::npos) return unexpected(bad(i, "'<' without '>'"));
    for (std::size_t k = uri_at; k < uri_end; ++k)
      if (lex::is_ws(s[k])) return unexpected(bad(k, "whitespace inside <URI>"));
    i = uri_end + 1;
  } else {
    uri_at = i;
    while (i < s.size() && s[i] != ';' && !lex::is_ws(s[i])) ++i;
    uri_end = i;
  }
  auto uri = parse_uri(s.substr(uri_at, uri_end - uri_at));
  if (!uri) return unexpected(shifted(uri.error(), uri_at));
  na.uri = std::move(*uri);
  if (!na.angle && !na.uri.headers.empty())
    return unexpected(detail::error(C::bad_uri, uri_at, "a URI with '?' headers must be enclosed in <>"));
  auto end = parse_header_params(s, i, na.params);
  if (!end) return unexpected(end.error());
  i = lex::skip_ws(s, *end);
  if (i != s.size()) return unexpected(bad(i, std::string("unexpected '") + s[i] + "' after the address"));
  return na;
}

std::optional<std::string_view> NameAddr::tag() const {
  const Param* p = param("tag");
  if (p == nullptr) return std::nullopt;
  return p->value;
}

std::string unquote(std::string_view s) {
  if (s.size() < 2 || s.front() != '"' || s.back() != '"') return std::string(s);
  std::string out;
  out.reserve(s.size() - 2);
  for (std::size_t i = 1; i + 1 < s.size(); ++i) {
    if (s[i] == '\\' && i + 2 < s.size()) ++i;
    out += s[i];
  }
  return out;
}

std::string quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
  return out;
}

std::string NameAddr::display() const { return unquote(display_name); }

std::string to_string(const NameAddr& na) {
  std::string out;
  if (!na.display_name.empty()) {
    out += na.display_name.front() == '"' ? std::string(na.display_name) : quote(na.display_name);
    out += ' ';
  }
  out += '<';
  out += to_string(na.uri);
  out += '>';
  for (const Param& p : na.params) {
    out += ';';
    out += p.name;
    if (p.has_value) {
      out += '=';
      out += p.value;
    }
  }
  return out;
}

}  // namespace confab::sip
