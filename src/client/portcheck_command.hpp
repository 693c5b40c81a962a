#pragma once
// `confab portcheck [server]`: every catalog port tested against a confabd,
// outbound and inbound, with SIP ALG detection (src/diag/README.md has the
// protocol; the README's "confab portcheck" section the verdicts).
#include <cstdint>
#include <string>

namespace confab::client {

struct PortcheckCliOptions {
  std::string server;                  // HOST[:CONTROL-PORT]
  std::uint16_t control_port = 5680;   // when server names none
  bool json = false;
  std::string html;                    // also write this self-contained HTML page
  double timeout = 2.0;                // seconds per probe round
  std::string only;                    // "sip,media": services (or groups) to test
  std::string ports;                   // "5060,16384-16390": ports to test
  std::string media_ports = "16384-16403";
  bool no_inbound = false;
};

int run_portcheck(const PortcheckCliOptions& o);

}  // namespace confab::client
