// URI text, escapes and comparison (RFC 3261 §19.1.2, §19.1.4; RFC 3966 §4).
#include <algorithm>

#include "sip/lex.hpp"
#include "sip/uri.hpp"

namespace confab::sip {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  return lex::lower(c) - 'a' + 10;
}

void append_params(std::string& out, const Params& params, char first, char sep) {
  bool start = true;
  for (const Param& p : params) {
    out += start ? first : sep;
    start = false;
    out += p.name;
    if (p.has_value) {
      out += '=';
      out += p.value;
    }
  }
}

bool iequal_unescaped(std::string_view a, std::string_view b) {
  return lex::iequals(unescape(a), unescape(b));
}

// Parameters that must match when present in either URI (§19.1.4).
constexpr std::string_view must_match[] = {"user", "ttl", "method", "maddr", "transport"};

bool sip_params_match(const Params& a, const Params& b) {
  for (std::string_view name : must_match) {
    const Param* pa = find_param(a, name);
    const Param* pb = find_param(b, name);
    if ((pa == nullptr) != (pb == nullptr)) return false;
  }
  for (const Param& pa : a) {
    const Param* pb = find_param(b, unescape(pa.name));
    if (pb == nullptr) pb = find_param(b, pa.name);
    if (pb != nullptr && !iequal_unescaped(pa.value, pb->value)) return false;
  }
  return true;
}

bool headers_match(const Params& a, const Params& b) {
  if (a.size() != b.size()) return false;
  for (const Param& ha : a) {
    const Param* hb = find_param(b, ha.name);
    if (hb == nullptr || unescape(ha.value) != unescape(hb->value)) return false;
  }
  return true;
}

std::string tel_digits(std::string_view number) {
  std::string out;
  for (char c : number)
    if (c != '-' && c != '.' && c != '(' && c != ')') out += lex::lower(c);
  return out;
}

bool tel_params_match(const Params& a, const Params& b) {
  if (a.size() != b.size()) return false;
  for (const Param& pa : a) {
    const Param* pb = find_param(b, pa.name);
    if (pb == nullptr || pb->has_value != pa.has_value || !iequal_unescaped(pa.value, pb->value)) return false;
  }
  return true;
}

}  // namespace

std::string unescape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && lex::is(s[i + 1], lex::k_hex) && lex::is(s[i + 2], lex::k_hex)) {
      out += static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::string escape(std::string_view raw, UriPart part) {
  std::uint16_t allowed = lex::k_unreserved;
  switch (part) {
    case UriPart::user: allowed |= lex::k_user; break;
    case UriPart::password: allowed |= lex::k_password; break;
    case UriPart::param: allowed |= lex::k_param; break;
    case UriPart::header: allowed |= lex::k_hnv; break;
  }
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(raw.size());
  for (char c : raw) {
    if (lex::is(c, allowed)) {
      out += c;
    } else {
      const auto u = static_cast<unsigned char>(c);
      out += '%';
      out += hex[u >> 4];
      out += hex[u & 15];
    }
  }
  return out;
}

std::string to_string(const Uri& u) {
  std::string out;
  out.reserve(u.text.size() + 8);
  for (char c : u.scheme_text) out += lex::lower(c);
  out += ':';
  if (u.scheme == Scheme::other) {
    out += u.opaque;
    return out;
  }
  if (u.scheme == Scheme::tel) {
    out += u.user;
    append_params(out, u.params, ';', ';');
    return out;
  }
  if (!u.user.empty()) {
    out += u.user;
    if (u.has_password) {
      out += ':';
      out += u.password;
    }
    out += '@';
  }
  if (u.host_kind == HostKind::ipv6) {
    out += '[';
    out += u.host;
    out += ']';
  } else {
    out += u.host;
  }
  if (u.port) {
    out += ':';
    out += std::to_string(*u.port);
  }
  append_params(out, u.params, ';', ';');
  append_params(out, u.headers, '?', '&');
  return out;
}

bool equivalent(const Uri& a, const Uri& b) {
  if (a.scheme != b.scheme) return false;
  switch (a.scheme) {
    case Scheme::other:
      return lex::iequals(a.scheme_text, b.scheme_text) && a.opaque == b.opaque;
    case Scheme::tel:
      return tel_digits(a.user) == tel_digits(b.user) && tel_params_match(a.params, b.params);
    case Scheme::sip:
    case Scheme::sips:
      break;
  }
  if (unescape(a.user) != unescape(b.user)) return false;
  if (a.has_password != b.has_password || unescape(a.password) != unescape(b.password)) return false;
  if (!lex::iequals(a.host, b.host)) return false;
  if (a.port != b.port) return false;
  return sip_params_match(a.params, b.params) && sip_params_match(b.params, a.params) &&
         headers_match(a.headers, b.headers);
}

}  // namespace confab::sip
