// Ports and addresses as RFC 8866 §9 spells them.
#include "sdp/grammar.hpp"

#include "core/address.hpp"
#include "sdp/lex.hpp"

namespace confab::sdp::grammar {

std::optional<std::uint16_t> port(std::string_view s) {
  if (s.size() > 5) return std::nullopt;
  auto n = lex::number(s, 65535);
  if (!n) return std::nullopt;
  return static_cast<std::uint16_t>(*n);
}

std::optional<std::string> types_problem(std::string_view nettype, std::string_view addrtype) {
  if (!lex::is_token(nettype)) return "nettype is not a token";
  if (!lex::is_token(addrtype)) return "addrtype is not a token";
  return std::nullopt;
}

std::optional<std::string> unicast_address_problem(std::string_view nettype, std::string_view addrtype,
                                                   std::string_view address) {
  if (auto p = types_problem(nettype, addrtype)) return p;
  if (address.empty()) return "empty address";
  if (nettype != "IN" || (addrtype != "IP4" && addrtype != "IP6")) {
    if (!lex::all_vchar(address)) return "address has a character that is not visible ASCII";
    return std::nullopt;
  }
  const bool v4 = addrtype == "IP4";
  if (auto ip = IpAddress::parse(address)) {
    if (ip->is_v4() != v4) return std::string("'") + std::string(address.substr(0, 64)) + "' is not an " + std::string(addrtype) + " address";
    return std::nullopt;
  }
  // A name: RFC 8866's FQDN, which must not look like a broken address.
  bool digits_and_dots = true;
  for (char c : address)
    if (!lex::is_digit(c) && c != '.') digits_and_dots = false;
  if (digits_and_dots || address.find(':') != std::string_view::npos || !lex::is_fqdn(address))
    return std::string("'") + std::string(address.substr(0, 64)) + "' is neither an " + std::string(addrtype) +
           " address nor a domain name";
  return std::nullopt;
}

}  // namespace confab::sdp::grammar
