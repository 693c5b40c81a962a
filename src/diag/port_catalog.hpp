#pragma once
// The port catalog: every port confab uses, in one table that the firewall
// generator, the docs and (later) portcheck and ports read. Built from the
// port settings, so a changed port shows up everywhere.
#include <cstdint>
#include <string>
#include <vector>

namespace confab::diag {

enum class Proto : std::uint8_t { udp, tcp };
const char* to_string(Proto p);

// Who opens the conversation, seen from a client: inbound means packets the
// server receives unsolicited (a server firewall must let them in; a client
// firewall must let the client send them out).
enum class Direction : std::uint8_t {
  to_server,   // client → confabd (SIP, XMPP, the reflector)
  peer_to_peer,  // between clients, both ways (media, Bonjour chat)
};

struct CatalogEntry {
  std::string service;          // "sip", "xmpp-tls", "media"...
  std::uint16_t first = 0;
  std::uint16_t last = 0;       // == first for a single port
  Proto proto = Proto::udp;
  Direction direction = Direction::to_server;
  bool local_only = false;      // only on the local link (Bonjour): never open it to the internet
  std::string purpose;          // "SIP signalling (calls, registration)"
  std::string breaks;           // what fails when it is blocked
  bool single() const { return first == last; }
  std::string ports() const;    // "5060" or "16384-16403"
};

// The ports a deployment uses; the defaults are confabd's built-in ones.
// confabd fills them from its config (server/config.hpp: port_settings_from),
// so `confab ports`, `confab firewall` and the daemon agree.
struct PortSettings {
  std::vector<std::uint16_t> reflector_ports{5678, 3478};  // empty: reflector off
  std::uint16_t reflector_alternate_offset = 1;  // RFC 5780 CHANGE-REQUEST answers come from port + offset
  bool reflector_udp = true;
  bool reflector_tcp = true;
  std::uint16_t sip_port = 5060;      // 0: off
  bool sip_udp = true;
  bool sip_tcp = true;
  std::uint16_t sip_tls_port = 5061;  // 0: off
  std::uint16_t xmpp_port = 5222;     // 0: off
  std::uint16_t xmpp_tls_port = 5223; // 0: off
  std::uint16_t upload_port = 5443;   // XEP-0363 HTTP file upload (HTTPS); 0: off
  std::uint16_t portcheck_port = 5680; // confabd's port-check control port (TCP); 0: off
  std::uint16_t component_port = 0;    // XEP-0114 external components (TCP); off unless configured
  std::uint16_t s2s_port = 0;          // XMPP federation (TCP, both ways); off unless configured
  std::uint16_t media_first = 16384;
  std::uint16_t media_last = 16403;
  bool bonjour = true;                // mDNS 5353 and serverless chat 5298 (and iChat's 5297)
};

std::vector<CatalogEntry> port_catalog(const PortSettings& settings = {});

}  // namespace confab::diag
