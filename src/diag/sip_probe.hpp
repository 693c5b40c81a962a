#pragma once
// SIP ALG detection (src/diag/README.md). The client sends a fake INVITE to
// "sip:portcheck-<token>@server" whose Via, Contact, From and SDP carry its
// real local address and ports; confabd's SIP service answers it itself
// (never routes it) and hands the bytes it received to the port-check
// session; the client compares them with what it sent. A router's SIP ALG
// (e.g. Linux nf_nat_sip) rewrites exactly these places.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/address.hpp"
#include "core/bytes.hpp"
#include "core/transmit.hpp"
#include "diag/portcheck_wire.hpp"

namespace confab::diag {

struct SipProbeParams {
  Transport transport = Transport::udp;
  SocketAddress local;         // our socket's address, as the kernel bound it
  std::string server_host;     // as the user named the server ("203.0.113.10")
  std::uint16_t server_port = 5060;
  Token token{};
  std::string nonce;           // random hex: branch, tag and Call-ID are made from it
  std::uint16_t media_port = 16384;  // the SDP's m= port
};

std::string build_sip_probe(const SipProbeParams& p);

// The session token of a probe ("INVITE sip:portcheck-<32 hex>@..."), from
// its request line only; nullopt for anything else.
std::optional<Token> sip_probe_token(ByteView message);

// What confabd's SIP service does with a request to a portcheck-<token>
// user: `probe` says whether it is one (then the core never sees it);
// `response` is the stateless answer to send back (none for ACK).
struct SipProbeAnswer {
  bool probe = false;
  std::optional<std::string> response;
};
SipProbeAnswer answer_sip_probe(ByteView request, std::size_t max_message_size = 65535);

// One difference between what was sent and what arrived.
struct SipChange {
  std::string where;     // "Via", "Contact", "SDP c=", "SDP m=audio", "Request-Line"...
  std::string sent;      // "" when the line was added on the way
  std::string received;  // "" when the line was removed
};
// Line by line (longest common subsequence); empty when identical.
std::vector<SipChange> diff_sip(std::string_view sent, std::string_view received);

}  // namespace confab::diag
