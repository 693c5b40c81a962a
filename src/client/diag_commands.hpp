#pragma once
// `confab firewall` (rules from the port catalog), `confab ports --catalog`
// (the catalog itself) and `confab ports` (the sockets confab processes
// hold, joined with the catalog; --watch for what they open over time).
// The catalog comes from --config, the running confabd, or the defaults
// (client/catalog_source.hpp). `confab portcheck` lives elsewhere.
#include <cstdint>
#include <string>
#include <vector>

namespace confab::client {

struct FirewallCliOptions {
  std::string format = "nftables";
  std::string side = "client";
  std::string profile = "minimal";
  std::string lan;                 // comma-separated CIDRs; empty: private + link-local ranges
  std::string lan6;                // comma-separated IPv6 prefixes (fe80::/10 always); empty: fc00::/7
  std::string media_ports;         // "" = the source's (16384-16403 by default)
  std::string config_file;         // confabd's config; "" = ask the running confabd
  std::string data_dir;            // where that confabd runs; "" = confab-data
  bool no_ssh = false;
};

struct PortsCliOptions {
  bool catalog = false;
  bool json = false;
  std::string media_ports;
  std::string config_file;
  std::string data_dir;
  // Live sockets: which processes (default: those named confabd or confab).
  std::vector<std::int32_t> pids;
  std::vector<std::string> processes;
  bool all = false;
  bool proc_net = false;           // read /proc/net even when netlink works
  // --watch
  bool watch = false;
  unsigned interval_ms = 200;
  double duration = 0;             // seconds; 0 = until Ctrl-C
  bool no_trace = false;           // poll only, without the kernel's socket trace events
};

int run_firewall(const FirewallCliOptions& o);
int run_ports(const PortsCliOptions& o);

}  // namespace confab::client
