// rtpmap, fmtp, rtcp, rtcp-fb, group, mid, ssrc, extmap, ptime, direction:
// parsers of the attribute values and their canonical text.
#include "sdp/attributes.hpp"

#include <array>
#include <cmath>

#include "sdp/grammar.hpp"
#include "sdp/lex.hpp"

namespace confab::sdp {
namespace {

using C = DecodeErrorCode;

Unexpected<DecodeError> bad(std::size_t at, std::string detail, C code = C::bad_attribute_value) {
  return unexpected(detail::error(code, at, std::move(detail)));
}

std::string quote(std::string_view s) { return "'" + std::string(s.substr(0, 64)) + "'"; }

// payload type = 1*3DIGIT, 0..127
std::optional<std::uint8_t> payload_type(std::string_view s) {
  if (s.size() > 3) return std::nullopt;
  auto n = lex::number(s, 127);
  if (!n) return std::nullopt;
  return static_cast<std::uint8_t>(*n);
}

}  // namespace

// --- rtpmap -----------------------------------------------------------------

Result<Rtpmap, DecodeError> parse_rtpmap(std::string_view v) {
  const std::size_t sp = v.find(' ');
  if (sp == std::string_view::npos) return bad(0, "expected \"<payload type> <encoding>/<clock rate>\"");
  Rtpmap r;
  auto pt = payload_type(v.substr(0, sp));
  if (!pt) return bad(0, "payload type " + quote(v.substr(0, sp)) + " is not 0..127");
  r.payload_type = *pt;
  const std::string_view rest = v.substr(sp + 1);
  const std::size_t s1 = rest.find('/');
  if (s1 == std::string_view::npos) return bad(sp + 1, "no '/' before the clock rate");
  const std::string_view name = rest.substr(0, s1);
  if (!lex::is_token(name)) return bad(sp + 1, "encoding name is not a token");
  r.encoding = std::string(name);
  const std::size_t s2 = rest.find('/', s1 + 1);
  const std::string_view rate = rest.substr(s1 + 1, s2 == std::string_view::npos ? s2 : s2 - s1 - 1);
  auto clock = lex::number(rate, 0xFFFFFFFFu);
  if (!clock || *clock == 0) return bad(sp + 2 + s1, "clock rate " + quote(rate) + " is not a positive 32-bit number");
  r.clock_rate = static_cast<std::uint32_t>(*clock);
  if (s2 != std::string_view::npos) {
    const std::string_view params = rest.substr(s2 + 1);
    auto ch = lex::number(params, 0xFFFFFFFFu);
    if (!ch || *ch == 0) return bad(sp + 2 + s2, "encoding parameters " + quote(params) + " are not a positive number");
    r.channels = static_cast<std::uint32_t>(*ch);
  }
  return r;
}

std::string to_value(const Rtpmap& r) {
  std::string out = std::to_string(r.payload_type) + " " + r.encoding + "/" + std::to_string(r.clock_rate);
  if (r.channels) out += "/" + std::to_string(*r.channels);
  return out;
}

std::optional<Rtpmap> static_rtpmap(std::uint8_t pt) {
  struct Row {
    std::uint8_t pt;
    const char* name;
    std::uint32_t clock;
    std::uint32_t channels;  // 0: not written
  };
  static constexpr std::array<Row, 24> rows{{
      {0, "PCMU", 8000, 0},   {3, "GSM", 8000, 0},     {4, "G723", 8000, 0},   {5, "DVI4", 8000, 0},
      {6, "DVI4", 16000, 0},  {7, "LPC", 8000, 0},     {8, "PCMA", 8000, 0},   {9, "G722", 8000, 0},
      {10, "L16", 44100, 2},  {11, "L16", 44100, 0},   {12, "QCELP", 8000, 0}, {13, "CN", 8000, 0},
      {14, "MPA", 90000, 0},  {15, "G728", 8000, 0},   {16, "DVI4", 11025, 0}, {17, "DVI4", 22050, 0},
      {18, "G729", 8000, 0},  {25, "CelB", 90000, 0},  {26, "JPEG", 90000, 0}, {28, "nv", 90000, 0},
      {31, "H261", 90000, 0}, {32, "MPV", 90000, 0},   {33, "MP2T", 90000, 0}, {34, "H263", 90000, 0},
  }};
  for (const Row& row : rows) {
    if (row.pt != pt) continue;
    Rtpmap r{pt, row.name, row.clock, std::nullopt};
    if (row.channels != 0) r.channels = row.channels;
    return r;
  }
  return std::nullopt;
}

// --- fmtp ---------------------------------------------------------------------

Result<Fmtp, DecodeError> parse_fmtp(std::string_view v) {
  const std::size_t sp = v.find(' ');
  if (sp == std::string_view::npos) return bad(0, "expected \"<format> <parameters>\"");
  const std::string_view format = v.substr(0, sp);
  if (!lex::is_token(format)) return bad(0, "format is not a token");
  const std::string_view params = v.substr(sp + 1);
  if (lex::trim(params).empty()) return bad(sp + 1, "no parameters");
  return Fmtp{std::string(format), std::string(params)};
}

std::string to_value(const Fmtp& f) { return f.format + " " + f.parameters; }

std::vector<FmtpParam> Fmtp::params() const {
  std::vector<FmtpParam> out;
  std::string_view rest = parameters;
  while (!rest.empty()) {
    const std::size_t semi = rest.find(';');
    const std::string_view item = lex::trim(rest.substr(0, semi));
    rest = semi == std::string_view::npos ? std::string_view{} : rest.substr(semi + 1);
    if (item.empty()) continue;
    const std::size_t eq = item.find('=');
    if (eq == std::string_view::npos) {
      out.push_back({std::string(item), {}});
    } else {
      out.push_back({std::string(lex::trim(item.substr(0, eq))), std::string(lex::trim(item.substr(eq + 1)))});
    }
  }
  return out;
}

std::optional<std::string> Fmtp::param(std::string_view name) const {
  for (const FmtpParam& p : params())
    if (lex::iequals(p.name, name)) return p.value;
  return std::nullopt;
}

// --- rtcp (RFC 3605) ------------------------------------------------------------

Result<Rtcp, DecodeError> parse_rtcp(std::string_view v) {
  const auto f = lex::split_sp(v);
  if (f.size() != 1 && f.size() != 4) return bad(0, "expected \"<port>\" or \"<port> <nettype> <addrtype> <address>\"");
  Rtcp r;
  auto p = grammar::port(f[0].text);
  if (!p) return bad(0, "port " + quote(f[0].text) + " is not 0..65535");
  r.port = *p;
  if (f.size() == 4) {
    if (auto problem = grammar::unicast_address_problem(f[1].text, f[2].text, f[3].text))
      return bad(f[1].at, *problem);
    r.nettype = std::string(f[1].text);
    r.addrtype = std::string(f[2].text);
    r.address = std::string(f[3].text);
  }
  return r;
}

std::string to_value(const Rtcp& r) {
  std::string out = std::to_string(r.port);
  if (!r.address.empty()) out += " " + r.nettype + " " + r.addrtype + " " + r.address;
  return out;
}

// --- rtcp-fb (RFC 4585) -----------------------------------------------------------

Result<RtcpFb, DecodeError> parse_rtcp_fb(std::string_view v) {
  const std::size_t sp = v.find(' ');
  if (sp == std::string_view::npos) return bad(0, "expected \"<payload type> <feedback>\"");
  RtcpFb r;
  const std::string_view pt = v.substr(0, sp);
  if (pt != "*" && !payload_type(pt)) return bad(0, "payload type " + quote(pt) + " is neither '*' nor 0..127");
  r.payload_type = std::string(pt);
  const std::string_view rest = v.substr(sp + 1);
  const std::size_t sp2 = rest.find(' ');
  const std::string_view type = rest.substr(0, sp2);
  if (!lex::is_token(type)) return bad(sp + 1, "feedback type is not a token");
  r.type = std::string(type);
  if (sp2 != std::string_view::npos) {
    const std::string_view param = rest.substr(sp2 + 1);
    if (param.empty() || param.front() == ' ') return bad(sp + 2 + sp2, "empty feedback parameter");
    r.parameter = std::string(param);
  }
  if (r.type == "trr-int" && !lex::all_digits(r.parameter)) return bad(sp + 1, "trr-int needs a number of milliseconds");
  return r;
}

std::string to_value(const RtcpFb& r) {
  std::string out = r.payload_type + " " + r.type;
  if (!r.parameter.empty()) out += " " + r.parameter;
  return out;
}

bool RtcpFb::applies_to(std::uint8_t pt) const { return payload_type == "*" || payload_type == std::to_string(pt); }

// --- group, mid (RFC 5888) ------------------------------------------------------------

Result<Group, DecodeError> parse_group(std::string_view v) {
  const auto f = lex::split_sp(v);
  Group g;
  if (!lex::is_token(f[0].text)) return bad(0, "semantics is not a token");
  g.semantics = std::string(f[0].text);
  for (std::size_t i = 1; i < f.size(); ++i) {
    if (!lex::is_token(f[i].text)) return bad(f[i].at, "identification tag " + quote(f[i].text) + " is not a token");
    g.mids.emplace_back(f[i].text);
  }
  return g;
}

std::string to_value(const Group& g) {
  std::string out = g.semantics;
  for (const auto& m : g.mids) out += " " + m;
  return out;
}

std::optional<DecodeError> validate_mid(std::string_view v) {
  if (!lex::is_token(v)) return detail::error(C::bad_attribute_value, 0, "identification tag is not a token");
  return std::nullopt;
}

// --- ssrc (RFC 5576) ------------------------------------------------------------------

Result<Ssrc, DecodeError> parse_ssrc(std::string_view v) {
  const std::size_t sp = v.find(' ');
  if (sp == std::string_view::npos) return bad(0, "expected \"<ssrc-id> <attribute>[:<value>]\"");
  auto id = v.substr(0, sp).size() <= 10 ? lex::number(v.substr(0, sp), 0xFFFFFFFFu) : std::nullopt;
  if (!id) return bad(0, "ssrc-id " + quote(v.substr(0, sp)) + " is not a 32-bit number");
  Ssrc s;
  s.ssrc = static_cast<std::uint32_t>(*id);
  const std::string_view rest = v.substr(sp + 1);
  const std::size_t colon = rest.find(':');
  const std::string_view name = rest.substr(0, colon);
  if (!lex::is_token(name)) return bad(sp + 1, "source attribute name is not a token");
  s.attribute = std::string(name);
  if (colon != std::string_view::npos) s.value = std::string(rest.substr(colon + 1));
  return s;
}

std::string to_value(const Ssrc& s) {
  std::string out = std::to_string(s.ssrc) + " " + s.attribute;
  if (s.value) out += ":" + *s.value;
  return out;
}

// --- direction ------------------------------------------------------------------------

const char* to_string(Direction d) {
  switch (d) {
    case Direction::sendrecv: return "sendrecv";
    case Direction::sendonly: return "sendonly";
    case Direction::recvonly: return "recvonly";
    case Direction::inactive: return "inactive";
  }
  return "sendrecv";
}

std::optional<Direction> direction_from(std::string_view name) {
  if (name == "sendrecv") return Direction::sendrecv;
  if (name == "sendonly") return Direction::sendonly;
  if (name == "recvonly") return Direction::recvonly;
  if (name == "inactive") return Direction::inactive;
  return std::nullopt;
}

Direction make_direction(bool send, bool recv) {
  if (send && recv) return Direction::sendrecv;
  if (send) return Direction::sendonly;
  if (recv) return Direction::recvonly;
  return Direction::inactive;
}

Direction reverse(Direction d) { return make_direction(receives(d), sends(d)); }

// --- extmap (RFC 8285) ------------------------------------------------------------------

Result<Extmap, DecodeError> parse_extmap(std::string_view v) {
  const std::size_t sp = v.find(' ');
  if (sp == std::string_view::npos) return bad(0, "expected \"<id>[/<direction>] <URI>\"");
  const std::string_view head = v.substr(0, sp);
  const std::size_t slash = head.find('/');
  const std::string_view id_text = head.substr(0, slash);
  auto id = id_text.size() <= 5 ? lex::number(id_text, 65535) : std::nullopt;
  if (!id || *id == 0 || (*id > 255 && *id < 4096) || *id > 4351)
    return bad(0, "extension id " + quote(id_text) + " is not 1..255 or 4096..4351");
  Extmap e;
  e.id = static_cast<std::uint16_t>(*id);
  if (slash != std::string_view::npos) {
    e.direction = direction_from(head.substr(slash + 1));
    if (!e.direction) return bad(slash + 1, "direction " + quote(head.substr(slash + 1)) + " is not sendrecv/sendonly/recvonly/inactive");
  }
  const std::string_view rest = v.substr(sp + 1);
  const std::size_t sp2 = rest.find(' ');
  const std::string_view uri = rest.substr(0, sp2);
  if (uri.empty() || !lex::all_vchar(uri)) return bad(sp + 1, "extension URI is empty or not visible ASCII");
  e.uri = std::string(uri);
  if (sp2 != std::string_view::npos) {
    e.attributes = std::string(rest.substr(sp2 + 1));
    if (e.attributes.empty()) return bad(sp + 2 + sp2, "empty extension attributes after SP");
  }
  return e;
}

std::string to_value(const Extmap& e) {
  std::string out = std::to_string(e.id);
  if (e.direction) out += std::string("/") + to_string(*e.direction);
  out += " " + e.uri;
  if (!e.attributes.empty()) out += " " + e.attributes;
  return out;
}

// --- ptime / maxptime ---------------------------------------------------------------------

Result<double, DecodeError> parse_ptime(std::string_view v) {
  const std::size_t dot = v.find('.');
  const std::string_view whole = v.substr(0, dot);
  const std::string_view frac = dot == std::string_view::npos ? std::string_view{} : v.substr(dot + 1);
  if (!lex::all_digits(whole) || whole.size() > 9 || (dot != std::string_view::npos && (!lex::all_digits(frac) || frac.size() > 9)))
    return bad(0, quote(v) + " is not a number of milliseconds");
  double ms = static_cast<double>(*lex::number(whole));
  if (!frac.empty()) ms += static_cast<double>(*lex::number(frac)) / std::pow(10.0, static_cast<double>(frac.size()));
  if (ms <= 0) return bad(0, "must not be zero");
  return ms;
}

}  // namespace confab::sdp
