// The port catalog follows the settings; the firewall generator writes
// what each side and profile needs, in each format.
#include <gtest/gtest.h>

#include <algorithm>

#include "diag/firewall.hpp"

namespace confab::diag {
namespace {

bool has(const std::string& text, const std::string& line) { return text.find(line) != std::string::npos; }

std::string rules(FirewallFormat f, FirewallSide s, FirewallProfile p, PortSettings settings = {}) {
  FirewallOptions o;
  o.format = f, o.side = s, o.profile = p;
  auto r = firewall_rules(port_catalog(settings), o);
  EXPECT_TRUE(r) << r.error();
  return r ? *r : std::string();
}

TEST(PortCatalog, ListsEveryServiceWithItsDefaultPorts) {
  auto c = port_catalog();
  auto find = [&](const std::string& service) {
    return std::find_if(c.begin(), c.end(), [&](const CatalogEntry& e) { return e.service == service; });
  };
  ASSERT_NE(find("sip"), c.end());
  EXPECT_EQ(find("sip")->ports(), "5060");
  EXPECT_EQ(find("media")->ports(), "16384-16403");
  EXPECT_EQ(find("media")->direction, Direction::peer_to_peer);
  EXPECT_EQ(find("xmpp-tls")->first, 5223);
  EXPECT_TRUE(find("mdns")->local_only);
  EXPECT_EQ(find("reflector")->ports(), "5678-5679");  // RFC 5780 answers from port + 1
  for (const auto& e : c) EXPECT_FALSE(e.breaks.empty()) << e.service;
}

TEST(PortCatalog, FollowsTheSettings) {
  PortSettings s;
  s.sip_port = 5070;
  s.xmpp_tls_port = 0;  // off
  s.media_first = 20000, s.media_last = 20009;
  s.bonjour = false;
  auto c = port_catalog(s);
  EXPECT_TRUE(std::any_of(c.begin(), c.end(), [](const CatalogEntry& e) { return e.service == "sip" && e.first == 5070; }));
  EXPECT_FALSE(std::any_of(c.begin(), c.end(), [](const CatalogEntry& e) { return e.service == "xmpp-tls"; }));
  EXPECT_FALSE(std::any_of(c.begin(), c.end(), [](const CatalogEntry& e) { return e.local_only; }));
  EXPECT_TRUE(has(rules(FirewallFormat::nftables, FirewallSide::client, FirewallProfile::minimal, s),
                  "udp dport 20000-20009 accept"));
}

TEST(Firewall, ServerRulesLetTheServicesAndSshInAndMediaOnlyForThePortcheckEcho) {
  auto t = rules(FirewallFormat::nftables, FirewallSide::server, FirewallProfile::minimal);
  EXPECT_TRUE(has(t, "policy drop;"));
  EXPECT_TRUE(has(t, "tcp dport 22 accept"));
  EXPECT_TRUE(has(t, "udp dport 5060 accept"));
  EXPECT_TRUE(has(t, "tcp dport 5222 accept"));
  EXPECT_TRUE(has(t, "udp dport 5678-5679 accept"));
  EXPECT_FALSE(has(t, "chain output"));
  // confabd relays no media (yet), but its port check echoes on the media
  // range: shut, every client's portcheck would call its media blocked.
  EXPECT_TRUE(has(t, "udp dport 16384-16403 accept comment \"media: confab portcheck echo"));
  EXPECT_FALSE(has(t, "5353"));  // Bonjour: never from the internet
  EXPECT_FALSE(has(t, "5298"));
  for (auto f : {FirewallFormat::iptables, FirewallFormat::pf, FirewallFormat::ufw}) {
    auto other = rules(f, FirewallSide::server, FirewallProfile::strict);
    EXPECT_TRUE(has(other, "16384")) << other;
    EXPECT_FALSE(has(other, "5353")) << other;
  }
  PortSettings no_portcheck;
  no_portcheck.portcheck_port = 0;
  EXPECT_FALSE(has(rules(FirewallFormat::nftables, FirewallSide::server, FirewallProfile::minimal, no_portcheck), "16384"));
}

TEST(Firewall, ClientMinimalOpensMediaAndBonjourOnlyFromTheLan) {
  auto t = rules(FirewallFormat::nftables, FirewallSide::client, FirewallProfile::minimal);
  EXPECT_TRUE(has(t, "udp dport 16384-16403 accept"));
  EXPECT_TRUE(has(t, "ip saddr @lan udp dport 5353 accept"));
  EXPECT_FALSE(has(t, "dport 5060"));
  EXPECT_FALSE(has(t, "tcp dport 22"));
}

TEST(Firewall, StrictClientRestrictsOutboundToTheServerDnsAndMedia) {
  auto t = rules(FirewallFormat::nftables, FirewallSide::client, FirewallProfile::strict);
  EXPECT_TRUE(has(t, "type filter hook output priority filter; policy drop;"));
  EXPECT_TRUE(has(t, "th dport 53 accept"));
  EXPECT_TRUE(has(t, "udp dport 5060 accept"));
  EXPECT_TRUE(has(t, "udp sport 16384-16403 accept"));
  EXPECT_TRUE(has(t, "ip daddr @lan_out udp dport 5353 accept"));
  EXPECT_TRUE(has(t, "224.0.0.0/4"));
}

TEST(Firewall, OpenProfileOpensEveryPortInbound) {
  auto t = rules(FirewallFormat::iptables, FirewallSide::client, FirewallProfile::open);
  EXPECT_TRUE(has(t, ":INPUT DROP [0:0]"));
  EXPECT_TRUE(has(t, "-A INPUT -p udp --dport 5060 "));
  EXPECT_TRUE(has(t, "-A INPUT -p udp --dport 16384:16403 "));
  EXPECT_TRUE(has(t, "-A INPUT -s 192.168.0.0/16 -p udp --dport 5353 "));
  EXPECT_TRUE(has(t, "COMMIT\n"));
}

TEST(Firewall, PfAndUfwSpellTheSameRules) {
  auto pf = rules(FirewallFormat::pf, FirewallSide::client, FirewallProfile::minimal);
  EXPECT_TRUE(has(pf, "block in all"));
  EXPECT_TRUE(has(pf, "pass in proto udp to port 16384:16403 keep state"));
  EXPECT_TRUE(has(pf, "pass in proto udp from $lan to port 5353 keep state"));
  auto ufw = rules(FirewallFormat::ufw, FirewallSide::server, FirewallProfile::minimal);
  EXPECT_TRUE(has(ufw, "ufw default deny incoming"));
  EXPECT_TRUE(has(ufw, "ufw allow 5060/udp"));
  EXPECT_TRUE(has(ufw, "ufw allow 22/tcp"));
}

TEST(Firewall, ABadLanRangeIsRefusedByName) {
  FirewallOptions o;
  o.lan = {"192.168.1.0/24", "192.168.1/24"};
  auto r = firewall_rules(port_catalog(), o);
  ASSERT_FALSE(r);
  EXPECT_TRUE(has(r.error(), "192.168.1/24"));
  EXPECT_FALSE(parse_format("ipchains"));
  EXPECT_EQ(*parse_profile("A"), FirewallProfile::open);
}

}  // namespace
}  // namespace confab::diag
