// ICE attributes (RFC 8839 §5.1, §5.4, §5.6): candidate lines, ufrag/pwd,
// options.
#include "sdp/ice.hpp"

#include "sdp/grammar.hpp"
#include "sdp/lex.hpp"

namespace confab::sdp {
namespace {

using C = DecodeErrorCode;

Unexpected<DecodeError> bad(std::size_t at, std::string detail, C code = C::bad_attribute_value) {
  return unexpected(detail::error(code, at, std::move(detail)));
}

std::string quote(std::string_view s) { return "'" + std::string(s.substr(0, 64)) + "'"; }

// connection-address of a candidate: IPv4, IPv6 or an FQDN (RFC 8839 §5.1
// takes it from RFC 8866; mDNS candidates are "<uuid>.local").
bool candidate_address(std::string_view a) {
  return !grammar::unicast_address_problem("IN", "IP4", a) || !grammar::unicast_address_problem("IN", "IP6", a);
}

}  // namespace

const char* to_string(CandidateType t) {
  switch (t) {
    case CandidateType::host: return "host";
    case CandidateType::srflx: return "srflx";
    case CandidateType::prflx: return "prflx";
    case CandidateType::relay: return "relay";
    case CandidateType::other: return "other";
  }
  return "other";
}

bool Candidate::is_udp() const { return lex::iequals(transport, "UDP"); }

Result<Candidate, DecodeError> parse_candidate(std::string_view v) {
  const auto f = lex::split_sp(v);
  for (const auto& field : f)
    if (field.text.empty()) return bad(field.at, "empty field (two SP in a row, or a leading or trailing SP)");
  if (f.size() < 8) return bad(0, "expected \"<foundation> <component> <transport> <priority> <address> <port> typ <type>\"");
  Candidate c;
  if (f[0].text.size() > 32 || !lex::all_ice_chars(f[0].text)) return bad(f[0].at, "foundation is not 1..32 ice-chars");
  c.foundation = std::string(f[0].text);
  auto comp = f[1].text.size() <= 3 ? lex::number(f[1].text, 256) : std::nullopt;
  if (!comp || *comp == 0) return bad(f[1].at, "component id " + quote(f[1].text) + " is not 1..256");
  c.component = static_cast<std::uint16_t>(*comp);
  if (!lex::is_token(f[2].text)) return bad(f[2].at, "transport is not a token");
  c.transport = std::string(f[2].text);
  auto prio = f[3].text.size() <= 10 ? lex::number(f[3].text, 0x7FFFFFFFu) : std::nullopt;
  if (!prio || *prio == 0) return bad(f[3].at, "priority " + quote(f[3].text) + " is not 1..2^31-1");
  c.priority = static_cast<std::uint32_t>(*prio);
  if (!candidate_address(f[4].text)) return bad(f[4].at, "address " + quote(f[4].text) + " is neither IPv4, IPv6 nor a domain name");
  c.address = std::string(f[4].text);
  auto port = grammar::port(f[5].text);
  if (!port) return bad(f[5].at, "port " + quote(f[5].text) + " is not 0..65535");
  c.port = *port;
  if (f[6].text != "typ") return bad(f[6].at, "expected \"typ\" after the port");
  const std::string_view type = f[7].text;
  if (!lex::is_token(type)) return bad(f[7].at, "candidate type is not a token");
  c.type_name = std::string(type);
  c.type = type == "host"    ? CandidateType::host
           : type == "srflx" ? CandidateType::srflx
           : type == "prflx" ? CandidateType::prflx
           : type == "relay" ? CandidateType::relay
                             : CandidateType::other;
  std::size_t i = 8;
  if (i + 1 < f.size() && f[i].text == "raddr") {
    if (!candidate_address(f[i + 1].text)) return bad(f[i + 1].at, "raddr " + quote(f[i + 1].text) + " is not an address");
    c.related_address = std::string(f[i + 1].text);
    i += 2;
  }
  if (i + 1 < f.size() && f[i].text == "rport") {
    auto rport = grammar::port(f[i + 1].text);
    if (!rport) return bad(f[i + 1].at, "rport " + quote(f[i + 1].text) + " is not 0..65535");
    c.related_port = *rport;
    i += 2;
  }
  for (; i < f.size(); i += 2) {
    if (i + 1 >= f.size()) return bad(f[i].at, "extension " + quote(f[i].text) + " has no value");
    if (!lex::is_token(f[i].text)) return bad(f[i].at, "extension name is not a token");
    if (f[i].text == "raddr" || f[i].text == "rport") return bad(f[i].at, "raddr/rport out of place");
    if (!lex::all_vchar(f[i + 1].text)) return bad(f[i + 1].at, "extension value is not visible ASCII");
    c.extensions.emplace_back(std::string(f[i].text), std::string(f[i + 1].text));
  }
  return c;
}

std::string to_value(const Candidate& c) {
  std::string out = c.foundation + " " + std::to_string(c.component) + " " + c.transport + " " +
                    std::to_string(c.priority) + " " + c.address + " " + std::to_string(c.port) + " typ " +
                    (c.type == CandidateType::other ? c.type_name : std::string(to_string(c.type)));
  if (c.related_address) out += " raddr " + *c.related_address;
  if (c.related_port) out += " rport " + std::to_string(*c.related_port);
  for (const auto& [name, value] : c.extensions) out += " " + name + " " + value;
  return out;
}

std::optional<DecodeError> validate_ice_ufrag(std::string_view v) {
  if (v.size() < 4 || v.size() > 256) return detail::error(C::bad_attribute_value, 0, std::to_string(v.size()) + " characters; ice-ufrag needs 4..256");
  for (std::size_t i = 0; i < v.size(); ++i)
    if (!lex::is_ice_char(v[i])) return detail::error(C::bad_attribute_value, i, "not an ice-char (ALPHA / DIGIT / + /)");
  return std::nullopt;
}

std::optional<DecodeError> validate_ice_pwd(std::string_view v) {
  if (v.size() < 22 || v.size() > 256) return detail::error(C::bad_attribute_value, 0, std::to_string(v.size()) + " characters; ice-pwd needs 22..256");
  for (std::size_t i = 0; i < v.size(); ++i)
    if (!lex::is_ice_char(v[i])) return detail::error(C::bad_attribute_value, i, "not an ice-char (ALPHA / DIGIT / + /)");
  return std::nullopt;
}

Result<std::vector<std::string>, DecodeError> parse_ice_options(std::string_view v) {
  std::vector<std::string> out;
  for (const auto& f : lex::split_sp(v)) {
    if (!lex::is_token(f.text)) return bad(f.at, "ice option " + quote(f.text) + " is not a token");
    out.emplace_back(f.text);
  }
  return out;
}

}  // namespace confab::sdp
