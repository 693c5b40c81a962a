#pragma once
// Field grammars shared by the line parsers and the attribute parsers:
// ports, addresses of a nettype/addrtype, typed times. Internal to confab_sdp.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace confab::sdp::grammar {

// port = 1*DIGIT, 0..65535
std::optional<std::uint16_t> port(std::string_view s);

// Why `address` is not a unicast address of (nettype, addrtype), or nullopt.
// IN IP4: dotted quad or FQDN; IN IP6: IPv6 or FQDN; other types: any
// non-empty visible string (RFC 8866 extn-addr).
std::optional<std::string> unicast_address_problem(std::string_view nettype, std::string_view addrtype,
                                                   std::string_view address);
// nettype and addrtype are tokens.
std::optional<std::string> types_problem(std::string_view nettype, std::string_view addrtype);

}  // namespace confab::sdp::grammar
