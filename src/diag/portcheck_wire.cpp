#include "diag/portcheck_wire.hpp"

#include <charconv>

#include <nlohmann/json.hpp>

#include "core/base64.hpp"
#include "core/text.hpp"
#include "diag/catalog_json.hpp"

namespace confab::diag {

namespace {

constexpr std::uint8_t magic[4] = {'C', 'F', 'P', 'C'};
constexpr std::uint8_t probe_version = 1;
constexpr std::size_t header_size = 26;  // magic, version, kind, token, client port, server port

WireError at(std::size_t offset, std::string what) { return WireError{offset, std::move(what)}; }

std::vector<std::string_view> words(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && line[i] == ' ') ++i;
    std::size_t start = i;
    while (i < line.size() && line[i] != ' ') ++i;
    if (i > start) out.push_back(line.substr(start, i - start));
  }
  return out;
}

// Column of word `w` inside `line` (both views into the same text).
std::size_t column(std::string_view line, std::string_view w) {
  return static_cast<std::size_t>(w.data() - line.data());
}

std::optional<std::uint32_t> number(std::string_view s, std::uint32_t max) {
  if (s.empty() || s.size() > 10) return std::nullopt;
  std::uint32_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v > max) return std::nullopt;
  return v;
}

std::optional<std::uint16_t> port(std::string_view s) {
  auto v = number(s, 65535);
  if (!v || *v == 0) return std::nullopt;
  return static_cast<std::uint16_t>(*v);
}

std::optional<Proto> proto(std::string_view s) {
  if (s == "udp") return Proto::udp;
  if (s == "tcp") return Proto::tcp;
  return std::nullopt;
}

// "16384" or "16384-16403", first <= last.
std::optional<std::pair<std::uint16_t, std::uint16_t>> range(std::string_view s) {
  auto dash = s.find('-');
  auto a = port(s.substr(0, dash));
  if (!a) return std::nullopt;
  if (dash == std::string_view::npos) return std::pair{*a, *a};
  auto b = port(s.substr(dash + 1));
  if (!b || *b < *a) return std::nullopt;
  return std::pair{*a, *b};
}

std::string range_text(std::uint16_t first, std::uint16_t last) {
  return first == last ? std::to_string(first) : std::to_string(first) + "-" + std::to_string(last);
}

}  // namespace

std::string WireError::message() const {
  return "port-check decode error at " + std::to_string(offset) + ": " + what;
}

std::string token_hex(const Token& t) { return to_hex(t); }

std::optional<Token> parse_token(std::string_view hex) {
  if (hex.size() != 32) return std::nullopt;
  Token t{};
  for (std::size_t i = 0; i < 16; ++i) {
    std::uint8_t v = 0;
    auto [p, ec] = std::from_chars(hex.data() + 2 * i, hex.data() + 2 * i + 2, v, 16);
    if (ec != std::errc() || p != hex.data() + 2 * i + 2) return std::nullopt;
    t[i] = v;
  }
  if (to_hex(t) != hex) return std::nullopt;  // lowercase only: one token, one spelling
  return t;
}

Bytes encode_probe(const Probe& p) {
  Bytes out;
  ByteWriter w(out);
  for (auto b : magic) w.u8(b);
  w.u8(probe_version);
  w.u8(static_cast<std::uint8_t>(p.kind));
  for (auto b : p.token) w.u8(b);
  w.u16(p.client_port);
  w.u16(p.server_port);
  if (p.kind == ProbeKind::echo_reply && p.observed) {
    const auto& ip = p.observed->ip;
    w.u8(ip.is_v4() ? 4 : 6);
    w.u16(p.observed->port);
    for (std::size_t i = 0; i < ip.size(); ++i) w.u8(ip.data()[i]);
  }
  if (p.kind == ProbeKind::echo_request) out.resize(probe_request_size, 0);
  return out;
}

Result<Probe, WireError> parse_probe(ByteView bytes) {
  if (bytes.size() < header_size) return unexpected(at(bytes.size(), "shorter than the 26-byte header"));
  if (bytes.size() > probe_max_size) return unexpected(at(probe_max_size, "longer than 512 bytes"));
  for (std::size_t i = 0; i < 4; ++i)
    if (bytes[i] != magic[i]) return unexpected(at(i, "not a port-check probe (magic \"CFPC\" expected)"));
  if (bytes[4] != probe_version) return unexpected(at(4, "unknown version " + std::to_string(bytes[4])));
  Probe p;
  ByteReader r(bytes.subspan(5));
  const auto kind = *r.u8();
  if (kind < 1 || kind > 3) return unexpected(at(5, "unknown kind " + std::to_string(kind)));
  p.kind = static_cast<ProbeKind>(kind);
  for (auto& b : p.token) b = *r.u8();
  p.client_port = *r.u16();
  p.server_port = *r.u16();
  switch (p.kind) {
    case ProbeKind::echo_request:
      if (bytes.size() < probe_request_size)
        return unexpected(at(bytes.size(), "an echo request is padded to 64 bytes"));
      break;
    case ProbeKind::inbound:
      if (bytes.size() != probe_inbound_size) return unexpected(at(header_size, "an inbound probe is 26 bytes"));
      break;
    case ProbeKind::echo_reply: {
      auto family = r.u8();
      auto observed_port = r.u16();
      if (!family || !observed_port) return unexpected(at(header_size, "echo reply without the observed address"));
      if (*family != 4 && *family != 6) return unexpected(at(header_size, "address family must be 4 or 6"));
      auto ip = r.take(*family == 4 ? 4 : 16);
      if (!ip) return unexpected(at(header_size + 3, "observed address cut short"));
      if (!r.empty()) return unexpected(at(bytes.size() - r.remaining(), "bytes after the observed address"));
      IpAddress a;
      if (*family == 4) {
        a = IpAddress::v4({(*ip)[0], (*ip)[1], (*ip)[2], (*ip)[3]});
      } else {
        std::array<std::uint8_t, 16> b{};
        std::copy(ip->begin(), ip->end(), b.begin());
        a = IpAddress::v6(b);
      }
      p.observed = SocketAddress{a, *observed_port};
      break;
    }
  }
  return p;
}

Result<Command, WireError> parse_command(std::string_view line) {
  if (line.size() > control_max_line) return unexpected(at(control_max_line, "line longer than 512 bytes"));
  for (std::size_t i = 0; i < line.size(); ++i)
    if (line[i] < 0x20 || line[i] > 0x7e) return unexpected(at(i, "not printable ASCII"));
  auto w = words(line);
  if (w.empty()) return unexpected(at(0, "empty command"));
  Command c;
  auto want = [&](std::size_t n) -> std::optional<WireError> {
    if (w.size() == n) return std::nullopt;
    return at(w.size() > n ? column(line, w[n]) : line.size(),
              std::string(w[0]) + " takes " + std::to_string(n - 1) + " argument" + (n == 2 ? "" : "s"));
  };
  if (w[0] == "PORTCHECK") {
    if (auto e = want(2)) return unexpected(*e);
    auto v = number(w[1], 1000);
    if (!v) return unexpected(at(column(line, w[1]), "version must be a number"));
    c.verb = Verb::hello;
    c.version = static_cast<int>(*v);
    return c;
  }
  if (w[0] == "OPEN" || w[0] == "INBOUND") {
    if (auto e = want(3)) return unexpected(*e);
    auto p = proto(w[1]);
    if (!p) return unexpected(at(column(line, w[1]), "transport must be udp or tcp"));
    auto r = range(w[2]);
    if (!r) return unexpected(at(column(line, w[2]), "expected a port (1-65535) or FIRST-LAST"));
    c.verb = w[0] == "OPEN" ? Verb::open : Verb::inbound;
    if (c.verb == Verb::inbound && r->first != r->second)
      return unexpected(at(column(line, w[2]), "INBOUND takes one port"));
    c.proto = *p;
    c.first = r->first;
    c.last = r->second;
    return c;
  }
  if (w[0] == "REPORT" || w[0] == "BYE") {
    if (auto e = want(1)) return unexpected(*e);
    c.verb = w[0] == "REPORT" ? Verb::report : Verb::bye;
    return c;
  }
  return unexpected(at(0, "unknown command \"" + printable(w[0], 16) + "\""));
}

std::string format_command(const Command& c) {
  switch (c.verb) {
    case Verb::hello: return "PORTCHECK " + std::to_string(c.version);
    case Verb::open: return std::string("OPEN ") + to_string(c.proto) + " " + range_text(c.first, c.last);
    case Verb::inbound: return std::string("INBOUND ") + to_string(c.proto) + " " + std::to_string(c.first);
    case Verb::report: return "REPORT";
    case Verb::bye: return "BYE";
  }
  return {};
}

Result<Reply, WireError> parse_reply(std::string_view line) {
  for (std::size_t i = 0; i < line.size(); ++i)
    if (line[i] < 0x20 || line[i] > 0x7e) return unexpected(at(i, "not printable ASCII"));
  auto w = words(line);
  if (w.empty()) return unexpected(at(0, "empty reply"));
  Reply r;
  auto bad = [&](std::size_t i, const char* what) { return unexpected(at(i < w.size() ? column(line, w[i]) : line.size(), what)); };
  const auto verb = w[0];
  if (verb == "ERR") {
    r.kind = ReplyKind::error;
    r.text = std::string(line.substr(std::min(line.size(), std::size_t{4})));
    return r;
  }
  if (verb == "END") {
    r.kind = ReplyKind::end;
    return r;
  }
  if (verb == "CATALOG") {
    // One line of JSON after the verb: checked for size before nlohmann
    // sees it, so a hostile server cannot make the client build a huge tree.
    const std::size_t start = column(line, w[0]) + w[0].size();
    if (line.size() > catalog_max_line) return unexpected(at(catalog_max_line, "CATALOG line longer than 512 KiB"));
    if (w.size() < 2) return bad(1, "CATALOG JSON-ARRAY expected");
    auto j = nlohmann::json::parse(line.substr(start), nullptr, false);
    if (j.is_discarded()) return bad(1, "the catalog is not valid JSON");
    if (j.is_array() && j.size() > catalog_max_entries) return bad(1, "more than 64 catalog entries");
    auto c = catalog_from_json(j);
    if (!c) return unexpected(at(column(line, w[1]), "catalog " + c.error()));
    for (std::size_t i = 0; i < c->size(); ++i) {
      const auto& e = (*c)[i];
      if (e.service.size() > catalog_max_text || e.purpose.size() > catalog_max_text ||
          e.breaks.size() > catalog_max_text)
        return unexpected(at(column(line, w[1]), "catalog entry " + std::to_string(i) + ": a text longer than 256 bytes"));
    }
    r.kind = ReplyKind::catalog, r.catalog = std::move(*c);
    return r;
  }
  if (verb == "SESSION") {
    if (w.size() != 4) return bad(w.size(), "SESSION TOKEN ADDRESS LIFETIME expected");
    auto t = parse_token(w[1]);
    if (!t) return bad(1, "token must be 32 lowercase hex digits");
    auto ip = IpAddress::parse(w[2]);
    if (!ip) return bad(2, "not an IP address");
    auto life = number(w[3], 86400);
    if (!life) return bad(3, "lifetime must be seconds");
    r.kind = ReplyKind::session, r.token = *t, r.client_ip = *ip, r.lifetime_seconds = *life;
    return r;
  }
  if (w.size() < 3) return bad(w.size(), "transport and port expected");
  auto p = proto(w[1]);
  if (!p) return bad(1, "transport must be udp or tcp");
  r.proto = *p;
  if (verb == "OPENED") {
    auto rg = range(w[2]);
    if (!rg) return bad(2, "expected a port range");
    r.kind = ReplyKind::opened, r.first = rg->first, r.last = rg->second;
    if (w.size() == 3) return r;
    if (w.size() != 5 || w[3] != "unavailable") return bad(3, "\"unavailable PORT,PORT...\" expected");
    for (const auto& s : split_list(w[4])) {
      auto q = port(s);
      if (!q) return bad(4, "unavailable ports must be numbers");
      r.unavailable.push_back(*q);
    }
    return r;
  }
  if (verb == "SENT") {
    if (w.size() != 4) return bad(w.size(), "SENT PROTO PORT ADDRESS expected");
    auto q = port(w[2]);
    auto a = SocketAddress::parse(w[3]);
    if (!q) return bad(2, "port expected");
    if (!a) return bad(3, "address:port expected");
    r.kind = ReplyKind::sent, r.client_port = *q, r.address = *a;
    return r;
  }
  if (verb == "SEEN") {
    if (w.size() != 5) return bad(w.size(), "SEEN PROTO SERVER-PORT CLIENT-PORT ADDRESS expected");
    auto s = port(w[2]);
    auto c = number(w[3], 65535);  // 0: the client did not say (TCP)
    auto a = SocketAddress::parse(w[4]);
    if (!s) return bad(2, "port expected");
    if (!c) return bad(3, "port expected");
    if (!a) return bad(4, "address:port expected");
    r.kind = ReplyKind::seen, r.server_port = *s, r.client_port = static_cast<std::uint16_t>(*c), r.address = *a;
    return r;
  }
  if (verb == "SIP") {
    if (w.size() != 4) return bad(w.size(), "SIP PROTO ADDRESS BASE64 expected");
    auto a = SocketAddress::parse(w[2]);
    auto m = base64_decode(w[3]);
    if (!a) return bad(2, "address:port expected");
    if (!m) return bad(3, "the message must be base64");
    r.kind = ReplyKind::sip, r.address = *a, r.message = std::move(*m);
    return r;
  }
  return bad(0, "unknown reply");
}

std::string format_reply(const Reply& r) {
  const std::string proto = to_string(r.proto);
  switch (r.kind) {
    case ReplyKind::session:
      return "SESSION " + token_hex(r.token) + " " + r.client_ip.to_string() + " " + std::to_string(r.lifetime_seconds);
    case ReplyKind::catalog:
      // ASCII escapes keep the line printable; bad UTF-8 is replaced, never thrown.
      return "CATALOG " + catalog_to_json(r.catalog).dump(-1, ' ', true, nlohmann::json::error_handler_t::replace);
    case ReplyKind::opened: {
      std::string out = "OPENED " + proto + " " + range_text(r.first, r.last);
      if (!r.unavailable.empty()) {
        out += " unavailable ";
        for (std::size_t i = 0; i < r.unavailable.size(); ++i) out += (i ? "," : "") + std::to_string(r.unavailable[i]);
      }
      return out;
    }
    case ReplyKind::sent: return "SENT " + proto + " " + std::to_string(r.client_port) + " " + r.address.to_string();
    case ReplyKind::seen:
      return "SEEN " + proto + " " + std::to_string(r.server_port) + " " + std::to_string(r.client_port) + " " +
             r.address.to_string();
    case ReplyKind::sip: return "SIP " + proto + " " + r.address.to_string() + " " + base64_encode(r.message);
    case ReplyKind::end: return "END";
    case ReplyKind::error: return "ERR " + r.text;
  }
  return {};
}

}  // namespace confab::diag
