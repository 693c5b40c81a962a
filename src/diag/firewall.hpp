#pragma once
// Firewall rules from the port catalog, for nftables, iptables
// (iptables-restore, IPv4), ip6tables (ip6tables-restore, IPv6), pf and
// ufw, for a confabd host (server) or a user's
// machine (client), in three profiles:
//   minimal    what confab needs and no more: the server's listening ports
//              (and, with the port check on, the media range it echoes on);
//              on a client, media from peers and Bonjour from the LAN only
//   open       (iChat's "Configuration A") every catalog port both ways
//   strict     (iChat's "Configuration B") per direction: a client may only
//              send to the server ports, DNS and media; inbound only media
//              and, from the LAN, Bonjour
// Rule sets are complete (default-drop input with established traffic,
// loopback, ICMP and ICMPv6 and, on servers, SSH let in) so they can be
// loaded as they are; they are meant to be read and adapted. nftables
// (an inet table), pf and ufw cover IPv4 and IPv6 in one rule set;
// iptables and ip6tables are the two files Debian's iptables-persistent
// loads (/etc/iptables/rules.v4 and rules.v6).
#include <string>
#include <vector>

#include "core/result.hpp"
#include "diag/port_catalog.hpp"

namespace confab::diag {

enum class FirewallFormat : std::uint8_t { nftables, iptables, ip6tables, pf, ufw };
enum class FirewallSide : std::uint8_t { server, client };
enum class FirewallProfile : std::uint8_t { minimal, open, strict };

struct FirewallOptions {
  FirewallFormat format = FirewallFormat::nftables;
  FirewallSide side = FirewallSide::client;
  FirewallProfile profile = FirewallProfile::minimal;
  // Where "local only" ports (Bonjour) may come from: the private and
  // link-local ranges unless told otherwise.
  std::vector<std::string> lan{"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16"};
  // The same over IPv6: link-local (fe80::/10, where mDNS runs) always,
  // plus these prefixes: unique local addresses unless told the LAN's
  // prefix (e.g. the /64 a router hands out).
  std::vector<std::string> lan6{"fc00::/7"};
  bool keep_ssh = true;  // server side: let SSH (22/tcp) in, so loading the rules does not lock you out
};

Result<FirewallFormat, std::string> parse_format(std::string_view s);
Result<FirewallSide, std::string> parse_side(std::string_view s);
Result<FirewallProfile, std::string> parse_profile(std::string_view s);

// The rules as text in the chosen format; an error for a LAN range that is
// not an IPv4 CIDR (lan) or an IPv6 one (lan6).
Result<std::string, std::string> firewall_rules(const std::vector<CatalogEntry>& catalog, const FirewallOptions& o);

}  // namespace confab::diag
