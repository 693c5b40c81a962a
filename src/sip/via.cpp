// Via (RFC 3261 §20.42, §25.1; RFC 3581 rport; RFC 5118 §4.5 bracketed received).
#include "sip/header_values.hpp"
#include "sip/host.hpp"
#include "sip/lex.hpp"

namespace confab::sip {
namespace {

using C = DecodeErrorCode;

DecodeError bad(std::size_t at, std::string detail) {
  return detail::error(C::bad_header_value, at, std::move(detail));
}

std::size_t token_end(std::string_view s, std::size_t i) {
  while (i < s.size() && lex::is(s[i], lex::k_token)) ++i;
  return i;
}

// Expects `c` after optional whitespace (SWS c SWS), returns the index after it.
std::optional<std::size_t> expect(std::string_view s, std::size_t i, char c) {
  i = lex::skip_ws(s, i);
  if (i >= s.size() || s[i] != c) return std::nullopt;
  return lex::skip_ws(s, i + 1);
}

std::optional<DecodeError> check_params(const Via& v, std::string_view s) {
  auto at = [&](const Param& p) { return static_cast<std::size_t>(p.name.data() - s.data()); };
  for (const Param& p : v.params) {
    if (lex::iequals(p.name, "ttl")) {
      if (!lex::all_digits(p.value)) return bad(at(p), "ttl must be a number");
      if (!lex::number(p.value, 255)) return detail::error(C::value_out_of_range, at(p), "ttl above 255");
    } else if (lex::iequals(p.name, "rport")) {
      if (p.has_value && !lex::number(p.value, 65535)) return bad(at(p), "rport is not a port number");
    } else if (lex::iequals(p.name, "received")) {
      std::string_view a = p.value;
      if (a.size() > 2 && a.front() == '[' && a.back() == ']') a = a.substr(1, a.size() - 2);
      if (!detail::valid_ipv4(a) && !detail::valid_ipv6(a)) return bad(at(p), "received is not an IP address");
    } else if (lex::iequals(p.name, "branch") || lex::iequals(p.name, "maddr")) {
      if (!p.has_value) return bad(at(p), std::string(p.name) + " without a value");
    }
  }
  return std::nullopt;
}

Result<Via, DecodeError> parse_one(std::string_view s) {
  Via v;
  std::size_t i = lex::skip_ws(s, 0);
  std::size_t e = token_end(s, i);
  if (e == i) return unexpected(bad(i, "expected the protocol name (SIP)"));
  v.protocol_name = s.substr(i, e - i);
  auto slash = expect(s, e, '/');
  if (!slash) return unexpected(bad(e, "expected '/' after the protocol name"));
  e = token_end(s, *slash);
  if (e == *slash) return unexpected(bad(*slash, "expected the protocol version"));
  v.protocol_version = s.substr(*slash, e - *slash);
  slash = expect(s, e, '/');
  if (!slash) return unexpected(bad(e, "expected '/' after the protocol version"));
  e = token_end(s, *slash);
  if (e == *slash) return unexpected(bad(*slash, "expected the transport"));
  v.transport = s.substr(*slash, e - *slash);
  i = lex::skip_ws(s, e);
  if (i == e) return unexpected(bad(e, "expected whitespace before sent-by"));
  const std::size_t host_at = i;
  if (i < s.size() && s[i] == '[') {
    const std::size_t close = s.find(']', i);
    if (close == std::string_view::npos) return unexpected(bad(i, "'[' without ']'"));
    v.host = s.substr(i + 1, close - i - 1);
    if (!detail::valid_ipv6(v.host)) return unexpected(bad(i + 1, "not an IPv6 address"));
    v.host_kind = HostKind::ipv6;
    i = close + 1;
  } else {
    while (i < s.size() && (lex::is(s[i], lex::k_alnum) || s[i] == '-' || s[i] == '.')) ++i;
    v.host = s.substr(host_at, i - host_at);
    if (detail::valid_ipv4(v.host)) {
      v.host_kind = HostKind::ipv4;
    } else if (detail::valid_hostname(v.host)) {
      v.host_kind = HostKind::hostname;
    } else {
      return unexpected(bad(host_at, v.host.empty() ? "empty sent-by host" : "sent-by is not a host"));
    }
  }
  if (auto colon = expect(s, i, ':')) {
    std::size_t p = *colon;
    while (p < s.size() && lex::is_digit(s[p])) ++p;
    auto port = lex::number(s.substr(*colon, p - *colon), 65535);
    if (!port) return unexpected(bad(*colon, "sent-by port is not 0..65535"));
    v.port = static_cast<std::uint16_t>(*port);
    i = p;
  }
  auto end = parse_header_params(s, i, v.params);
  if (!end) return unexpected(end.error());
  i = lex::skip_ws(s, *end);
  if (i != s.size()) return unexpected(bad(i, std::string("unexpected '") + s[i] + "' in Via"));
  if (auto problem = check_params(v, s)) return unexpected(std::move(*problem));
  return v;
}

}  // namespace

Result<std::vector<Via>, DecodeError> parse_via(std::string_view value) {
  auto items = split_list(value);
  if (!items) return unexpected(items.error());
  std::vector<Via> out;
  out.reserve(items->size());
  for (const ListItem& item : *items) {
    auto v = parse_one(item.text);
    if (!v) {
      DecodeError e = v.error();
      e.offset += item.offset;
      return unexpected(std::move(e));
    }
    out.push_back(std::move(*v));
  }
  return out;
}

std::optional<std::string_view> Via::branch() const {
  const Param* p = param("branch");
  return p ? std::optional(p->value) : std::nullopt;
}
std::optional<std::string_view> Via::maddr() const {
  const Param* p = param("maddr");
  return p ? std::optional(p->value) : std::nullopt;
}
std::optional<std::string_view> Via::received() const {
  const Param* p = param("received");
  if (p == nullptr) return std::nullopt;
  std::string_view a = p->value;
  if (a.size() > 2 && a.front() == '[' && a.back() == ']') a = a.substr(1, a.size() - 2);
  return a;
}
std::optional<std::uint8_t> Via::ttl() const {
  const Param* p = param("ttl");
  if (p == nullptr) return std::nullopt;
  auto n = lex::number(p->value, 255);
  return n ? std::optional(static_cast<std::uint8_t>(*n)) : std::nullopt;
}
std::optional<std::uint16_t> Via::rport() const {
  const Param* p = param("rport");
  if (p == nullptr || !p->has_value) return std::nullopt;
  auto n = lex::number(p->value, 65535);
  return n ? std::optional(static_cast<std::uint16_t>(*n)) : std::nullopt;
}
bool Via::rfc3261_branch() const {
  auto b = branch();
  return b && b->size() > 7 && b->substr(0, 7) == "z9hG4bK";
}

std::string to_string(const Via& v) {
  std::string out;
  out.reserve(64);
  out += v.protocol_name;
  out += '/';
  out += v.protocol_version;
  out += '/';
  out += v.transport;
  out += ' ';
  if (v.host_kind == HostKind::ipv6) {
    out += '[';
    out += v.host;
    out += ']';
  } else {
    out += v.host;
  }
  if (v.port) {
    out += ':';
    out += std::to_string(*v.port);
  }
  for (const Param& p : v.params) {
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
