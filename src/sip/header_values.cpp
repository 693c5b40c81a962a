// Typed header values other than Via (RFC 3261 §20, §25.1) and the
// per-header validation parse() runs.
#include "sip/header_values.hpp"

#include "sip/lex.hpp"

namespace confab::sip {
namespace {

using C = DecodeErrorCode;
constexpr std::uint64_t u32_max = 0xFFFFFFFFu;

DecodeError bad(std::size_t at, std::string detail) {
  return detail::error(C::bad_header_value, at, std::move(detail));
}

std::size_t offset_in(std::string_view whole, std::string_view part) {
  return static_cast<std::size_t>(part.data() - whole.data());
}

// qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ), in thousandths.
std::optional<std::uint16_t> qvalue(std::string_view s) {
  if (s.empty() || (s[0] != '0' && s[0] != '1')) return std::nullopt;
  unsigned v = static_cast<unsigned>(s[0] - '0') * 1000;
  if (s.size() == 1) return static_cast<std::uint16_t>(v);
  if (s[1] != '.' || s.size() > 5) return std::nullopt;
  unsigned scale = 100;
  for (std::size_t i = 2; i < s.size(); ++i, scale /= 10) {
    if (!lex::is_digit(s[i])) return std::nullopt;
    v += static_cast<unsigned>(s[i] - '0') * scale;
  }
  if (v > 1000) return std::nullopt;
  return static_cast<std::uint16_t>(v);
}

template <class T, class F>
Result<std::vector<T>, DecodeError> each(std::string_view value, F&& parse_item) {
  auto items = split_list(value);
  if (!items) return unexpected(items.error());
  std::vector<T> out;
  out.reserve(items->size());
  for (const ListItem& item : *items) {
    auto r = parse_item(item.text);
    if (!r) {
      DecodeError e = r.error();
      e.offset += item.offset;
      return unexpected(std::move(e));
    }
    out.push_back(std::move(*r));
  }
  return out;
}

}  // namespace

Result<std::vector<ListItem>, DecodeError> split_list(std::string_view s) {
  std::vector<ListItem> out;
  std::size_t start = 0;
  bool angle = false;
  for (std::size_t i = 0; i <= s.size(); ++i) {
    if (i < s.size()) {
      const char c = s[i];
      if (c == '"') {
        auto end = lex::quoted_end(s, i);
        if (!end) return unexpected(bad(i, "unterminated quoted string"));
        i = *end - 1;
        continue;
      }
      if (c == '<') angle = true;
      if (c == '>') angle = false;
      if (c != ',' || angle) continue;
    }
    std::string_view item = lex::trim(s.substr(start, i - start));
    if (item.empty()) return unexpected(bad(i < s.size() ? i : start, "empty list element"));
    out.push_back(ListItem{offset_in(s, item), item});
    start = i + 1;
  }
  return out;
}

Result<CSeq, DecodeError> parse_cseq(std::string_view s) {
  std::size_t i = lex::skip_ws(s, 0);
  const std::size_t num_at = i;
  while (i < s.size() && lex::is_digit(s[i])) ++i;
  std::string_view digits = s.substr(num_at, i - num_at);
  if (digits.empty()) return unexpected(bad(num_at, "CSeq must start with a number"));
  auto n = lex::number(digits, u32_max);
  if (!n) return unexpected(detail::error(C::value_out_of_range, num_at, "CSeq number above 2^32-1"));
  const std::size_t method_at = lex::skip_ws(s, i);
  if (method_at == i) return unexpected(bad(i, "expected whitespace after the CSeq number"));
  std::size_t e = method_at;
  while (e < s.size() && lex::is(s[e], lex::k_token)) ++e;
  if (e == method_at) return unexpected(bad(method_at, "CSeq without a method"));
  if (lex::skip_ws(s, e) != s.size()) return unexpected(bad(e, "unexpected text after the CSeq method"));
  return CSeq{static_cast<std::uint32_t>(*n), s.substr(method_at, e - method_at)};
}

Result<ContactList, DecodeError> parse_contact(std::string_view value) {
  ContactList out;
  if (lex::trim(value) == "*") {
    out.star = true;
    return out;
  }
  auto list = each<NameAddr>(value, [](std::string_view item) -> Result<NameAddr, DecodeError> {
    auto na = parse_name_addr(item);
    if (!na) return na;
    if (const Param* p = na->param("expires")) {
      const std::size_t at = offset_in(item, p->name);
      if (!lex::all_digits(p->value)) return unexpected(bad(at, "expires must be a number"));
      if (!lex::number(p->value, u32_max))
        return unexpected(detail::error(C::value_out_of_range, at, "expires above 2^32-1"));
    }
    if (const Param* p = na->param("q"); p && !qvalue(p->value))
      return unexpected(bad(offset_in(item, p->name), "q must be 0..1 with at most three decimals"));
    return na;
  });
  if (!list) return unexpected(list.error());
  out.contacts = std::move(*list);
  return out;
}

std::optional<std::uint32_t> contact_expires(const NameAddr& c) {
  const Param* p = c.param("expires");
  if (p == nullptr) return std::nullopt;
  auto n = lex::number(p->value, u32_max);
  return n ? std::optional(static_cast<std::uint32_t>(*n)) : std::nullopt;
}

std::optional<std::uint16_t> contact_q(const NameAddr& c) {
  const Param* p = c.param("q");
  return p ? qvalue(p->value) : std::nullopt;
}

Result<NameAddr, DecodeError> parse_address(std::string_view value) { return parse_name_addr(value); }

Result<std::vector<NameAddr>, DecodeError> parse_route(std::string_view value) {
  return each<NameAddr>(value, [](std::string_view item) -> Result<NameAddr, DecodeError> {
    auto na = parse_name_addr(item);
    if (na && !na->angle) return unexpected(bad(0, "a route must be a name-addr (<URI>)"));
    return na;
  });
}

Result<std::uint64_t, DecodeError> parse_number(std::string_view value, std::uint64_t max) {
  std::string_view t = lex::trim(value);
  const std::size_t at = offset_in(value, t);
  if (!lex::all_digits(t)) return unexpected(bad(at, lex::cat({"'", t, "' is not a number"})));
  auto n = lex::number(t, max);
  if (!n) return unexpected(detail::error(C::value_out_of_range, at, lex::cat({t, " is above ", std::to_string(max)})));
  return *n;
}

Result<std::vector<std::string_view>, DecodeError> parse_token_list(std::string_view value) {
  if (lex::trim(value).empty()) return std::vector<std::string_view>{};
  return each<std::string_view>(value, [](std::string_view item) -> Result<std::string_view, DecodeError> {
    for (std::size_t i = 0; i < item.size(); ++i)
      if (!lex::is(item[i], lex::k_token)) return unexpected(bad(i, std::string("'") + item[i] + "' in an option tag"));
    return item;
  });
}

Result<std::string_view, DecodeError> parse_call_id(std::string_view value) {
  std::string_view t = lex::trim(value);
  const std::size_t at = offset_in(value, t);
  if (t.empty()) return unexpected(bad(at, "empty Call-ID"));
  const std::size_t atsign = t.find('@');
  for (std::size_t i = 0; i < t.size(); ++i) {
    if (i == atsign) continue;
    if (!lex::is(t[i], lex::k_word)) return unexpected(bad(at + i, std::string("'") + t[i] + "' in a Call-ID"));
  }
  if (atsign == 0 || atsign + 1 == t.size()) return unexpected(bad(at + atsign, "empty word around '@' in a Call-ID"));
  return t;
}

Result<MediaType, DecodeError> parse_media_type(std::string_view s) {
  MediaType m;
  std::size_t i = lex::skip_ws(s, 0);
  std::size_t e = i;
  while (e < s.size() && lex::is(s[e], lex::k_token)) ++e;
  if (e == i) return unexpected(bad(i, "expected a media type"));
  m.type = s.substr(i, e - i);
  i = lex::skip_ws(s, e);
  if (i >= s.size() || s[i] != '/') return unexpected(bad(i, "expected '/' in the media type"));
  i = lex::skip_ws(s, i + 1);
  e = i;
  while (e < s.size() && lex::is(s[e], lex::k_token)) ++e;
  if (e == i) return unexpected(bad(i, "expected a media subtype"));
  m.subtype = s.substr(i, e - i);
  auto end = parse_header_params(s, e, m.params);
  if (!end) return unexpected(end.error());
  i = lex::skip_ws(s, *end);
  if (i != s.size()) return unexpected(bad(i, std::string("unexpected '") + s[i] + "' in the media type"));
  return m;
}

std::optional<DecodeError> validate_header(HeaderId id, std::string_view value) {
  auto check = [](const auto& r) -> std::optional<DecodeError> {
    if (r) return std::nullopt;
    return r.error();
  };
  using H = HeaderId;
  switch (id) {
    case H::via: return check(parse_via(value));
    case H::from:
    case H::to:
    case H::reply_to:
    case H::refer_to:
    case H::referred_by: return check(parse_address(value));
    case H::contact: return check(parse_contact(value));
    case H::route:
    case H::record_route:
    case H::path:
    case H::service_route: return check(parse_route(value));
    case H::cseq: return check(parse_cseq(value));
    case H::call_id: return check(parse_call_id(value));
    case H::max_forwards: return check(parse_number(value, 255));
    case H::expires:
    case H::min_expires: return check(parse_number(value, u32_max));
    case H::content_type: return check(parse_media_type(value));
    case H::require:
    case H::supported:
    case H::proxy_require:
    case H::unsupported:
    case H::allow: return check(parse_token_list(value));
    default: return std::nullopt;  // Content-Length is checked by the framer
  }
}

}  // namespace confab::sip
