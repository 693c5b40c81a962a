#include "client/diag_commands.hpp"

#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "client/exit_codes.hpp"
#include "core/text.hpp"
#include "diag/firewall.hpp"
#include "net/port_range.hpp"

namespace confab::client {

namespace {

std::optional<diag::PortSettings> settings(const std::string& media_ports, const char* command) {
  auto range = net::PortRange::parse(media_ports);
  if (!range) {
    std::fprintf(stderr, "%s: --media-ports %s: expected FIRST-LAST, e.g. 16384-16403\n", command, media_ports.c_str());
    return std::nullopt;
  }
  diag::PortSettings s;
  s.media_first = range->first;
  s.media_last = range->last;
  return s;
}

}  // namespace

int run_firewall(const FirewallCliOptions& o) {
  auto s = settings(o.media_ports, "confab firewall");
  if (!s) return exit_usage;
  diag::FirewallOptions f;
  auto format = diag::parse_format(o.format);
  auto side = diag::parse_side(o.side);
  auto profile = diag::parse_profile(o.profile);
  for (const std::string* err : {format ? nullptr : &format.error(), side ? nullptr : &side.error(),
                                 profile ? nullptr : &profile.error()})
    if (err) {
      std::fprintf(stderr, "confab firewall: %s\n", err->c_str());
      return exit_usage;
    }
  f.format = *format, f.side = *side, f.profile = *profile, f.keep_ssh = !o.no_ssh;
  if (!o.lan.empty()) f.lan = split_list(o.lan);
  auto rules = diag::firewall_rules(diag::port_catalog(*s), f);
  if (!rules) {
    std::fprintf(stderr, "confab firewall: %s\n", rules.error().c_str());
    return exit_usage;
  }
  std::cout << *rules;
  return exit_ok;
}

int run_ports(const PortsCliOptions& o) {
  if (!o.catalog) {
    std::fprintf(stderr, "confab ports: only --catalog is implemented so far (the ports confab uses)\n");
    return exit_usage;
  }
  auto s = settings(o.media_ports, "confab ports");
  if (!s) return exit_usage;
  const auto catalog = diag::port_catalog(*s);
  if (o.json) {
    nlohmann::json j = nlohmann::json::array();
    for (const auto& e : catalog)
      j.push_back({{"service", e.service}, {"ports", e.ports()}, {"first", e.first}, {"last", e.last},
                   {"transport", diag::to_string(e.proto)},
                   {"direction", e.direction == diag::Direction::to_server ? "to-server" : "peer-to-peer"},
                   {"local_only", e.local_only}, {"purpose", e.purpose}, {"breaks_when_blocked", e.breaks}});
    std::cout << j.dump(1) << std::endl;
    return exit_ok;
  }
  std::printf("%-17s %-12s %-4s %-13s %s\n", "SERVICE", "PORTS", "", "DIRECTION", "WHAT BREAKS WHEN BLOCKED");
  for (const auto& e : catalog)
    std::printf("%-17s %-12s %-4s %-13s %s%s\n", e.service.c_str(), e.ports().c_str(), diag::to_string(e.proto),
                e.direction == diag::Direction::to_server ? "to server" : "peer to peer", e.breaks.c_str(),
                e.local_only ? " (local network only)" : "");
  return exit_ok;
}

}  // namespace confab::client
