#include "client/diag_commands.hpp"

#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "client/catalog_source.hpp"
#include "client/exit_codes.hpp"
#include "client/ports_live.hpp"
#include "core/text.hpp"
#include "diag/catalog_json.hpp"
#include "diag/firewall.hpp"

namespace confab::client {

namespace {

// The catalog of the deployment; a note on stderr when it is the defaults.
std::optional<LoadedCatalog> catalog(const CatalogSourceOptions& source, const char* command) {
  auto loaded = load_catalog(source);
  if (!loaded) {
    std::fprintf(stderr, "%s: %s\n", command, loaded.error().c_str());
    return std::nullopt;
  }
  if (!loaded->note.empty()) std::fprintf(stderr, "%s: note: %s\n", command, loaded->note.c_str());
  return std::move(*loaded);
}

int print_catalog(const std::vector<diag::CatalogEntry>& catalog, const std::string& source, bool json) {
  if (json) {
    std::cout << diag::catalog_to_json(catalog).dump(1) << std::endl;
    return exit_ok;
  }
  std::printf("ports of %s\n", source.c_str());
  std::printf("%-17s %-12s %-4s %-13s %s\n", "SERVICE", "PORTS", "", "DIRECTION", "WHAT BREAKS WHEN BLOCKED");
  for (const auto& e : catalog)
    std::printf("%-17s %-12s %-4s %-13s %s%s\n", e.service.c_str(), e.ports().c_str(), diag::to_string(e.proto),
                e.direction == diag::Direction::to_server ? "to server" : "peer to peer", e.breaks.c_str(),
                e.local_only ? " (local network only)" : "");
  return exit_ok;
}

}  // namespace

int run_firewall(const FirewallCliOptions& o) {
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
  if (!o.lan6.empty()) f.lan6 = split_list(o.lan6);
  auto c = catalog({o.config_file, o.data_dir, o.media_ports}, "confab firewall");
  if (!c) return exit_usage;
  auto rules = diag::firewall_rules(c->catalog, f);
  if (!rules) {
    std::fprintf(stderr, "confab firewall: %s\n", rules.error().c_str());
    return exit_usage;
  }
  std::cout << *rules;
  return exit_ok;
}

int run_ports(const PortsCliOptions& o) {
  auto c = catalog({o.config_file, o.data_dir, o.media_ports}, "confab ports");
  if (!c) return exit_usage;
  if (o.catalog) return print_catalog(c->catalog, c->source, o.json);
  if (o.watch) return run_ports_watch(o, c->catalog);
  return run_ports_live(o, c->catalog);
}

}  // namespace confab::client
