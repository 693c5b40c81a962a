// The port catalog follows the settings; the firewall generator writes
// what each side and profile needs, in each format.
#include <gtest/gtest.h>

#include <algorithm>
#include <regex>
#include <sstream>

#include "diag/firewall.hpp"

namespace confab::diag {
namespace {

bool has(const std::string& text, const std::string& line) { return text.find(line) != std::string::npos; }

std::string rules(FirewallFormat f, FirewallSide s, FirewallProfile p, PortSettings settings = {},
                  std::vector<std::string> lan6 = {"fc00::/7"}) {
  FirewallOptions o;
  o.format = f, o.side = s, o.profile = p, o.lan6 = std::move(lan6);
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

TEST(Firewall, Ip6tablesIsTheIpv6HalfWithNeighbourDiscoveryAndTheIpv6Lan) {
  EXPECT_EQ(*parse_format("ip6tables"), FirewallFormat::ip6tables);
  auto t = rules(FirewallFormat::ip6tables, FirewallSide::client, FirewallProfile::minimal);
  EXPECT_TRUE(has(t, "ip6tables-restore"));
  EXPECT_TRUE(has(t, ":INPUT DROP [0:0]"));
  // Without neighbour discovery a default-drop IPv6 input chain cuts the
  // host off; packet-too-big keeps path MTU discovery working.
  EXPECT_TRUE(has(t, "-A INPUT -p ipv6-icmp -m comment --comment \"ICMPv6: neighbour discovery, packet too big\" -j ACCEPT"));
  EXPECT_TRUE(has(t, "-A INPUT -p udp --dport 16384:16403 "));
  EXPECT_TRUE(has(t, "-A INPUT -s fe80::/10 -p udp --dport 5353 "));
  EXPECT_TRUE(has(t, "-A INPUT -s fc00::/7 -p udp --dport 5353 "));
  EXPECT_FALSE(has(t, "192.168.0.0/16"));  // no IPv4 in an ip6tables file
  EXPECT_FALSE(has(t, "-p icmp "));
  EXPECT_TRUE(has(t, "COMMIT\n"));
  auto v4 = rules(FirewallFormat::iptables, FirewallSide::client, FirewallProfile::minimal);
  EXPECT_FALSE(has(v4, "fe80::/10"));
  EXPECT_TRUE(has(v4, "iptables-restore"));

  auto strict = rules(FirewallFormat::ip6tables, FirewallSide::client, FirewallProfile::strict);
  EXPECT_TRUE(has(strict, ":OUTPUT DROP [0:0]"));
  EXPECT_TRUE(has(strict, "-A OUTPUT -p ipv6-icmp "));  // neighbour solicitations go out too
  EXPECT_TRUE(has(strict, "-A OUTPUT -d ff00::/8 -p udp --dport 5353 "));  // mDNS's ff02::fb
  EXPECT_TRUE(has(strict, "-A OUTPUT -p udp --sport 16384:16403 "));

  auto server = rules(FirewallFormat::ip6tables, FirewallSide::server, FirewallProfile::minimal);
  EXPECT_TRUE(has(server, "-A INPUT -p tcp --dport 22 "));
  EXPECT_TRUE(has(server, "-A INPUT -p tcp --dport 5222 "));
  EXPECT_FALSE(has(server, "5353"));
}

TEST(Firewall, NftablesInetTableRestrictsBonjourPerFamily) {
  auto t = rules(FirewallFormat::nftables, FirewallSide::client, FirewallProfile::minimal);
  EXPECT_TRUE(has(t, "set lan6 {\n\t\ttype ipv6_addr\n\t\tflags interval\n\t\telements = { fe80::/10, fc00::/7 }"));
  EXPECT_TRUE(has(t, "ip saddr @lan udp dport 5353 accept"));
  EXPECT_TRUE(has(t, "ip6 saddr @lan6 udp dport 5353 accept"));
  EXPECT_TRUE(has(t, "ip6 saddr @lan6 tcp dport 5298 accept"));
  EXPECT_TRUE(has(t, "meta l4proto { icmp, ipv6-icmp } accept"));
  auto strict = rules(FirewallFormat::nftables, FirewallSide::client, FirewallProfile::strict);
  EXPECT_TRUE(has(strict, "ip6 daddr @lan6_out udp dport 5353 accept"));
  EXPECT_TRUE(has(strict, "elements = { fe80::/10, fc00::/7, ff00::/8 }"));
  // the output chain lets neighbour solicitations out
  EXPECT_TRUE(has(strict.substr(strict.find("chain output")), "ipv6-icmp"));
}

TEST(Firewall, Lan6NamesThePrefixAndLinkLocalIsAlwaysThere) {
  auto t = rules(FirewallFormat::nftables, FirewallSide::client, FirewallProfile::minimal, {},
                 {"2001:db8:1::/64", "fe80::/64"});
  // fe80::/64 is inside fe80::/10: left out, nft refuses overlapping intervals
  EXPECT_TRUE(has(t, "elements = { fe80::/10, 2001:db8:1::/64 }"));
  EXPECT_FALSE(has(t, "fc00::/7"));
  auto ufw = rules(FirewallFormat::ufw, FirewallSide::client, FirewallProfile::minimal, {}, {"2001:db8:1::/64"});
  EXPECT_TRUE(has(ufw, "ufw allow from 2001:db8:1::/64 to any port 5353 proto udp"));
  auto none = rules(FirewallFormat::ip6tables, FirewallSide::client, FirewallProfile::minimal, {}, {});
  EXPECT_TRUE(has(none, "-A INPUT -s fe80::/10 -p udp --dport 5353 "));
  EXPECT_FALSE(has(none, "fc00::/7"));
}

TEST(Firewall, UfwAddsTheIpv6LanRules) {
  auto t = rules(FirewallFormat::ufw, FirewallSide::client, FirewallProfile::minimal);
  EXPECT_TRUE(has(t, "ufw allow from 192.168.0.0/16 to any port 5353 proto udp"));
  EXPECT_TRUE(has(t, "ufw allow from fe80::/10 to any port 5353 proto udp"));
  EXPECT_TRUE(has(t, "ufw allow from fc00::/7 to any port 5298 proto tcp"));
  EXPECT_TRUE(has(t, "ufw allow 16384:16403/udp"));  // both families from one command
  auto strict = rules(FirewallFormat::ufw, FirewallSide::client, FirewallProfile::strict);
  EXPECT_TRUE(has(strict, "ufw default deny outgoing"));
  EXPECT_TRUE(has(strict, "ufw allow out to 224.0.0.0/4 port 5353 proto udp"));
  EXPECT_TRUE(has(strict, "ufw allow out to ff00::/8 port 5353 proto udp"));
}

// pf cannot run here (no pfctl on Linux): every line must be one of the
// forms pf.conf(5) accepts that the generator writes, macros defined
// before use, options before filter rules.
std::vector<std::string> pf_syntax_errors(const std::string& text) {
  const std::string net = R"((?:[0-9]{1,3}(?:\.[0-9]{1,3}){3}|[0-9a-f:]*:[0-9a-f:]*)/[0-9]{1,3})";
  const std::string port = R"((?:[0-9]{1,5}(?::[0-9]{1,5})?))";
  const std::string hosts = R"((?:\$lan6?|\{ \$lan6?, )" + net + R"( \}))";
  const std::string proto = R"((?:udp|tcp|\{ udp, tcp \}))";
  const std::string comment = R"((?:\s+#.*)?)";
  const std::regex macro("(lan6?) = \"\\{ " + net + "(?:, " + net + ")* \\}\"");
  const std::regex option("set skip on lo0");
  const std::vector<std::regex> filters{
      std::regex("block (in|out) all"),
      std::regex("pass out all keep state"),
      std::regex("pass (in|out) inet proto icmp all" + comment),
      std::regex("pass (in|out) inet6 proto icmp6 all" + comment),
      std::regex("pass (in|out) proto " + proto + " (from port " + port + "|to port " + port + ") keep state" + comment),
      std::regex("pass in proto " + proto + " from " + hosts + " to port " + port + " keep state" + comment),
      std::regex("pass out proto " + proto + " to " + hosts + " port " + port + " keep state" + comment),
  };
  std::vector<std::string> errors, macros;
  bool filtering = false;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    std::smatch m;
    if (std::regex_match(line, m, macro)) {
      if (filtering) errors.push_back("macro after filter rules: " + line);
      macros.push_back("$" + m[1].str());
      continue;
    }
    if (std::regex_match(line, option)) {
      if (filtering) errors.push_back("option after filter rules: " + line);
      continue;
    }
    filtering = true;
    if (std::none_of(filters.begin(), filters.end(), [&](const std::regex& r) { return std::regex_match(line, r); }))
      errors.push_back("not pf syntax: " + line);
    const std::string rule = line.substr(0, line.find('#'));
    static const std::regex use(R"(\$[a-z0-9_]+)");
    for (std::sregex_iterator u(rule.begin(), rule.end(), use), end; u != end; ++u)
      if (std::find(macros.begin(), macros.end(), u->str()) == macros.end())
        errors.push_back("macro used before it is defined: " + line);
  }
  return errors;
}

TEST(Firewall, PfRulesAreIpv4AndIpv6AndParseAsPf) {
  auto t = rules(FirewallFormat::pf, FirewallSide::client, FirewallProfile::minimal);
  EXPECT_TRUE(has(t, "lan6 = \"{ fe80::/10, fc00::/7 }\""));
  EXPECT_TRUE(has(t, "pass in inet6 proto icmp6 all"));
  EXPECT_TRUE(has(t, "pass in proto udp from $lan6 to port 5353 keep state"));
  auto strict = rules(FirewallFormat::pf, FirewallSide::client, FirewallProfile::strict);
  EXPECT_TRUE(has(strict, "pass out inet6 proto icmp6 all"));
  // one "to" per rule: "to HOSTS port P", not "to HOSTS to port P"
  EXPECT_TRUE(has(strict, "pass out proto udp to { $lan6, ff00::/8 } port 5353 keep state"));
  EXPECT_TRUE(has(strict, "pass out proto udp to { $lan, 224.0.0.0/4 } port 5353 keep state"));
  for (auto side : {FirewallSide::client, FirewallSide::server})
    for (auto profile : {FirewallProfile::minimal, FirewallProfile::open, FirewallProfile::strict}) {
      auto text = rules(FirewallFormat::pf, side, profile);
      EXPECT_EQ(pf_syntax_errors(text), std::vector<std::string>{}) << text;
    }
  // the checker does catch what pfctl would refuse
  EXPECT_EQ(pf_syntax_errors("lan = \"{ 10.0.0.0/8 }\"\n"
                             "pass out proto udp to { $lan, 224.0.0.0/4 } to port 5353 keep state\n"),
            std::vector<std::string>{"not pf syntax: pass out proto udp to { $lan, 224.0.0.0/4 } to port 5353 keep state"});
  EXPECT_EQ(pf_syntax_errors("pass in proto udp from $lan to port 5353 keep state\n").size(), 1u);  // no macro
}

TEST(Firewall, ABadLan6PrefixIsRefusedByName) {
  for (const char* bad : {"2001:db8::/129", "192.168.1.0/24", "2001:db8::", "2001:db8::/x"}) {
    FirewallOptions o;
    o.lan6 = {bad};
    auto r = firewall_rules(port_catalog(), o);
    ASSERT_FALSE(r) << bad;
    EXPECT_TRUE(has(r.error(), std::string("--lan6 ") + bad)) << r.error();
  }
  FirewallOptions o;
  o.lan = {"fe80::/10"};  // IPv6 in the IPv4 list
  EXPECT_FALSE(firewall_rules(port_catalog(), o));
}

}  // namespace
}  // namespace confab::diag
