// The structured lines of RFC 8866 §5: o= (§5.2), c= (§5.7), b= (§5.8),
// t= (§5.9), r= (§5.10), z= (§5.11), m= (§5.14).
#include "sdp/fields.hpp"

#include "core/address.hpp"
#include "sdp/grammar.hpp"
#include "sdp/lex.hpp"

namespace confab::sdp::fields {
namespace {

using C = DecodeErrorCode;

DecodeError bad(C code, std::size_t at, std::string detail) { return detail::error(code, at, std::move(detail)); }

std::string quote(std::string_view s) { return "'" + std::string(s.substr(0, 64)) + "'"; }

std::optional<DecodeError> no_empty_fields(const std::vector<lex::Field>& f, C code) {
  for (const auto& field : f)
    if (field.text.empty()) return bad(code, field.at, "empty field (two SP in a row, or a leading or trailing SP)");
  return std::nullopt;
}

}  // namespace

std::optional<TypedTime> typed_time(std::string_view s) {
  TypedTime t;
  if (!s.empty() && (s.back() == 'd' || s.back() == 'h' || s.back() == 'm' || s.back() == 's')) {
    t.unit = s.back();
    s.remove_suffix(1);
  }
  if (s.size() > 19) return std::nullopt;
  auto n = lex::number(s);
  if (!n) return std::nullopt;
  t.value = *n;
  return t;
}

std::string to_text(const TypedTime& t) {
  std::string out = std::to_string(t.value);
  if (t.unit) out += t.unit;
  return out;
}

std::string to_text(const Connection& c) {
  std::string out = c.nettype + " " + c.addrtype + " " + c.address;
  if (c.ttl) out += "/" + std::to_string(*c.ttl);
  if (c.address_count) out += "/" + std::to_string(*c.address_count);
  return out;
}

std::optional<DecodeError> origin(std::string_view v, Origin& o) {
  const auto f = lex::split_sp(v);
  if (auto e = no_empty_fields(f, C::bad_origin)) return e;
  if (f.size() != 6)
    return bad(C::bad_origin, 0, "expected 6 fields \"username sess-id sess-version nettype addrtype address\", got " + std::to_string(f.size()));
  if (!lex::all_vchar(f[0].text)) return bad(C::bad_origin, 0, "username is not visible ASCII");
  if (!lex::all_digits(f[1].text) || f[1].text.size() > 64) return bad(C::bad_origin, f[1].at, "sess-id " + quote(f[1].text) + " is not 1..64 digits");
  auto version = f[2].text.size() <= 20 ? lex::number(f[2].text) : std::nullopt;
  if (!lex::all_digits(f[2].text)) return bad(C::bad_origin, f[2].at, "sess-version " + quote(f[2].text) + " is not a number");
  if (!version) return bad(C::value_out_of_range, f[2].at, "sess-version is above 2^64-1");
  if (auto p = grammar::unicast_address_problem(f[3].text, f[4].text, f[5].text)) return bad(C::bad_origin, f[3].at, *p);
  o.username = std::string(f[0].text);
  o.session_id = std::string(f[1].text);
  o.session_version = *version;
  o.nettype = std::string(f[3].text);
  o.addrtype = std::string(f[4].text);
  o.address = std::string(f[5].text);
  return std::nullopt;
}

std::optional<DecodeError> connection(std::string_view v, Connection& c) {
  const auto f = lex::split_sp(v);
  if (auto e = no_empty_fields(f, C::bad_connection)) return e;
  if (f.size() != 3) return bad(C::bad_connection, 0, "expected \"nettype addrtype connection-address\"");
  if (auto p = grammar::types_problem(f[0].text, f[1].text)) return bad(C::bad_connection, 0, *p);
  c.nettype = std::string(f[0].text);
  c.addrtype = std::string(f[1].text);
  std::string_view addr = f[2].text;
  const std::size_t at = f[2].at;
  const bool ip = c.nettype == "IN" && (c.addrtype == "IP4" || c.addrtype == "IP6");
  const std::size_t slash = ip ? addr.find('/') : std::string_view::npos;
  const std::string_view host = addr.substr(0, slash);
  if (auto p = grammar::unicast_address_problem(c.nettype, c.addrtype, host)) return bad(C::bad_connection, at, *p);
  c.address = std::string(host);
  if (slash == std::string_view::npos) return std::nullopt;
  // Multicast suffixes (RFC 8866 §5.7): IP4 "/ttl[/count]", IP6 "/count".
  auto literal = IpAddress::parse(host);
  const bool multicast = literal && (literal->is_v4() ? (literal->data()[0] >= 224 && literal->data()[0] <= 239)
                                                      : literal->data()[0] == 0xFF);
  if (!multicast) return bad(C::bad_connection, at + slash, "'/' suffixes are for multicast addresses only");
  const std::string_view rest = addr.substr(slash + 1);
  const std::size_t slash2 = rest.find('/');
  const std::string_view first = rest.substr(0, slash2);
  if (c.addrtype == "IP4") {
    auto ttl = first.size() <= 3 ? lex::number(first, 255) : std::nullopt;
    if (!ttl) return bad(C::bad_connection, at + slash + 1, "TTL " + quote(first) + " is not 0..255");
    c.ttl = static_cast<std::uint8_t>(*ttl);
    if (slash2 == std::string_view::npos) return std::nullopt;
    const std::string_view count = rest.substr(slash2 + 1);
    auto n = count.size() <= 10 ? lex::number(count, 0xFFFFFFFFu) : std::nullopt;
    if (!n || *n == 0) return bad(C::bad_connection, at + slash + 2 + slash2, "number of addresses " + quote(count) + " is not positive");
    c.address_count = static_cast<std::uint32_t>(*n);
    return std::nullopt;
  }
  if (slash2 != std::string_view::npos) return bad(C::bad_connection, at + slash + 1 + slash2, "IP6 multicast takes one suffix (the number of addresses), no TTL");
  auto n = first.size() <= 10 ? lex::number(first, 0xFFFFFFFFu) : std::nullopt;
  if (!n || *n == 0) return bad(C::bad_connection, at + slash + 1, "number of addresses " + quote(first) + " is not positive");
  c.address_count = static_cast<std::uint32_t>(*n);
  return std::nullopt;
}

std::optional<DecodeError> bandwidth(std::string_view v, Bandwidth& b) {
  const std::size_t colon = v.find(':');
  if (colon == std::string_view::npos) return bad(C::bad_bandwidth, 0, "expected \"bwtype:bandwidth\"");
  if (!lex::is_token(v.substr(0, colon))) return bad(C::bad_bandwidth, 0, "bwtype is not a token");
  const std::string_view n = v.substr(colon + 1);
  if (!lex::all_digits(n)) return bad(C::bad_bandwidth, colon + 1, "bandwidth " + quote(n) + " is not a number");
  auto value = n.size() <= 20 ? lex::number(n) : std::nullopt;
  if (!value) return bad(C::value_out_of_range, colon + 1, "bandwidth is above 2^64-1");
  b.type = std::string(v.substr(0, colon));
  b.value = *value;
  return std::nullopt;
}

std::optional<DecodeError> timing(std::string_view v, Timing& t) {
  const auto f = lex::split_sp(v);
  if (auto e = no_empty_fields(f, C::bad_time)) return e;
  if (f.size() != 2) return bad(C::bad_time, 0, "expected \"start-time stop-time\"");
  for (const auto& field : f) {
    if (!lex::all_digits(field.text)) return bad(C::bad_time, field.at, quote(field.text) + " is not a number");
    if (field.text.size() > 20 || !lex::number(field.text)) return bad(C::value_out_of_range, field.at, "time is above 2^64-1");
  }
  t.start = *lex::number(f[0].text);
  t.stop = *lex::number(f[1].text);
  return std::nullopt;
}

std::optional<DecodeError> repeat(std::string_view v, Repeat& r) {
  const auto f = lex::split_sp(v);
  if (auto e = no_empty_fields(f, C::bad_time)) return e;
  if (f.size() < 3) return bad(C::bad_time, 0, "expected \"repeat-interval active-duration offset...\"");
  std::vector<TypedTime> times;
  for (const auto& field : f) {
    auto t = typed_time(field.text);
    if (!t) return bad(C::bad_time, field.at, quote(field.text) + " is not a typed time (digits and d/h/m/s)");
    times.push_back(*t);
  }
  if (times[0].value == 0) return bad(C::bad_time, 0, "repeat interval must not be zero");
  r.interval = times[0];
  r.duration = times[1];
  r.offsets.assign(times.begin() + 2, times.end());
  return std::nullopt;
}

std::optional<DecodeError> zone(std::string_view v, std::vector<ZoneAdjustment>& out) {
  const auto f = lex::split_sp(v);
  if (auto e = no_empty_fields(f, C::bad_time)) return e;
  if (f.size() % 2 != 0) return bad(C::bad_time, 0, "expected pairs of \"adjustment-time offset\"");
  for (std::size_t i = 0; i < f.size(); i += 2) {
    ZoneAdjustment z;
    auto t = f[i].text.size() <= 20 ? lex::number(f[i].text) : std::nullopt;
    if (!t) return bad(C::bad_time, f[i].at, quote(f[i].text) + " is not a time");
    z.time = *t;
    std::string_view off = f[i + 1].text;
    if (off.front() == '-') {
      z.negative = true;
      off.remove_prefix(1);
    }
    auto o = typed_time(off);
    if (!o) return bad(C::bad_time, f[i + 1].at, quote(f[i + 1].text) + " is not an offset ([-] typed time)");
    z.offset = *o;
    out.push_back(z);
  }
  return std::nullopt;
}

std::optional<DecodeError> media(std::string_view v, MediaDescription& m) {
  const auto f = lex::split_sp(v);
  if (auto e = no_empty_fields(f, C::bad_media)) return e;
  if (f.size() < 4) return bad(C::bad_media, 0, "expected \"media port proto fmt...\"");
  if (!lex::is_token(f[0].text)) return bad(C::bad_media, 0, "media type is not a token");
  m.media = std::string(f[0].text);
  const std::string_view port = f[1].text;
  const std::size_t slash = port.find('/');
  auto p = grammar::port(port.substr(0, slash));
  if (!p) return bad(C::bad_media, f[1].at, "port " + quote(port.substr(0, slash)) + " is not 0..65535");
  m.port = *p;
  if (slash != std::string_view::npos) {
    auto n = grammar::port(port.substr(slash + 1));
    if (!n || *n == 0) return bad(C::bad_media, f[1].at + slash + 1, "number of ports " + quote(port.substr(slash + 1)) + " is not 1..65535");
    m.port_count = *n;
  }
  // proto = token *("/" token)
  const std::string_view proto = f[2].text;
  std::size_t b = 0;
  while (true) {
    const std::size_t e = proto.find('/', b);
    if (!lex::is_token(proto.substr(b, e == std::string_view::npos ? e : e - b)))
      return bad(C::bad_media, f[2].at + b, "proto " + quote(proto) + " is not token *(\"/\" token)");
    if (e == std::string_view::npos) break;
    b = e + 1;
  }
  m.proto = std::string(proto);
  const bool rtp = m.is_rtp();
  for (std::size_t i = 3; i < f.size(); ++i) {
    if (!lex::is_token(f[i].text)) return bad(C::bad_media, f[i].at, "format is not a token");
    if (rtp && (f[i].text.size() > 3 || !lex::number(f[i].text, 127)))
      return bad(C::bad_media, f[i].at, "RTP payload type " + quote(f[i].text) + " is not 0..127");
    m.formats.emplace_back(f[i].text);
  }
  return std::nullopt;
}

}  // namespace confab::sdp::fields
