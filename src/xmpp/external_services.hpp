#pragma once
// XEP-0215 external service discovery: a client asks the server which STUN
// (and, later, TURN) services to use for its calls, and confabd answers with
// its own SNATMAP reflector — iChat's clients found theirs the same way, by
// asking their server.
#include <cstdint>
#include <string>
#include <vector>

#include "xmpp/router.hpp"

namespace confab::xmpp {

inline constexpr std::string_view extdisco_ns = "urn:xmpp:extdisco:2";

struct ExternalService {
  std::string type;       // "stun", "turn", "turns"
  std::string host;       // a name or an address clients can reach
  std::uint16_t port = 0;
  std::string transport;  // "udp", "tcp"
  bool restricted = false;  // needs credentials (TURN): <credentials/> later
};

// Answers <services/> (all, or those of the asked `type`) for the server's
// domains, and advertises the feature in disco#info.
void register_external_services(Router& router, std::vector<ExternalService> services);

}  // namespace confab::xmpp
