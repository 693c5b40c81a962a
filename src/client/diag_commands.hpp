#pragma once
// `confab firewall` (rules from the port catalog) and `confab ports
// --catalog` (the catalog itself). Live sockets (`confab ports`) and
// `confab portcheck` come later.
#include <string>

namespace confab::client {

struct FirewallCliOptions {
  std::string format = "nftables";
  std::string side = "client";
  std::string profile = "minimal";
  std::string lan;                 // comma-separated CIDRs; empty: private + link-local ranges
  std::string media_ports = "16384-16403";
  bool no_ssh = false;
};

struct PortsCliOptions {
  bool catalog = false;
  bool json = false;
  std::string media_ports = "16384-16403";
};

int run_firewall(const FirewallCliOptions& o);
int run_ports(const PortsCliOptions& o);

}  // namespace confab::client
