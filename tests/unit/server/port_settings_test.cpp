// The port catalog follows confabd's configuration: a port changed in the
// config file shows up in the catalog, in the firewall rules and in how
// `confab ports` names a socket.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>

#include "diag/firewall.hpp"
#include "diag/socket_view.hpp"
#include "server/config.hpp"

using namespace confab;
using namespace confab::server;

namespace {

const diag::CatalogEntry* find(const std::vector<diag::CatalogEntry>& c, const std::string& service) {
  auto it = std::find_if(c.begin(), c.end(), [&](const diag::CatalogEntry& e) { return e.service == service; });
  return it == c.end() ? nullptr : &*it;
}

std::vector<diag::CatalogEntry> catalog_of(const std::string& toml) {
  auto p = std::filesystem::temp_directory_path() / "confab_port_settings_test.toml";
  std::ofstream(p) << toml;
  auto c = load_config(p, {});
  EXPECT_TRUE(c) << c.error().message();
  return c ? diag::port_catalog(port_settings_from(*c)) : std::vector<diag::CatalogEntry>{};
}

}  // namespace

TEST(PortSettings, TheDefaultConfigGivesTheDefaultCatalog) {
  auto c = load_config(std::nullopt, {});
  ASSERT_TRUE(c);
  const auto from_config = diag::port_catalog(port_settings_from(*c));
  const auto defaults = diag::port_catalog();
  ASSERT_EQ(from_config.size(), defaults.size());
  for (std::size_t i = 0; i < defaults.size(); ++i) {
    EXPECT_EQ(from_config[i].service, defaults[i].service);
    EXPECT_EQ(from_config[i].ports(), defaults[i].ports());
  }
}

TEST(PortSettings, AChangedPortShowsUpInTheCatalogTheFirewallAndTheSocketView) {
  const auto catalog = catalog_of(
      "[sip]\nport = 15060\ntls_port = 15061\n[xmpp]\nport = 15222\ntls_port = 0\n"
      "[snatmap]\nports = [9000]\ntcp = false\nalternate_port_offset = 1\n");
  ASSERT_TRUE(find(catalog, "sip"));
  EXPECT_EQ(find(catalog, "sip")->ports(), "15060");
  EXPECT_EQ(find(catalog, "sip-tcp")->ports(), "15060");
  EXPECT_EQ(find(catalog, "sip-tls")->ports(), "15061");
  EXPECT_EQ(find(catalog, "xmpp")->ports(), "15222");
  EXPECT_FALSE(find(catalog, "xmpp-tls"));       // tls_port = 0: off
  EXPECT_EQ(find(catalog, "reflector")->ports(), "9000-9001");
  EXPECT_FALSE(find(catalog, "reflector-tcp"));  // snatmap.tcp = false

  diag::FirewallOptions o;
  o.side = diag::FirewallSide::server;
  auto rules = diag::firewall_rules(catalog, o);
  ASSERT_TRUE(rules) << rules.error();
  EXPECT_NE(rules->find("tcp dport 15222 accept"), std::string::npos) << *rules;
  EXPECT_NE(rules->find("udp dport 15060 accept"), std::string::npos);
  EXPECT_NE(rules->find("udp dport 9000-9001 accept"), std::string::npos);
  EXPECT_EQ(rules->find("dport 5222 "), std::string::npos);  // the default port is gone
  EXPECT_EQ(rules->find("5223"), std::string::npos);

  diag::SocketRecord listener;
  listener.proto = diag::Proto::tcp;
  listener.local = *SocketAddress::parse("127.0.0.1:15222");
  listener.state = static_cast<std::uint8_t>(diag::SocketState::listen);
  EXPECT_EQ(diag::service_of(listener, catalog), "xmpp");
  listener.local.port = 5222;
  EXPECT_EQ(diag::service_of(listener, catalog), "-");
}

TEST(PortSettings, DisabledServicesHaveNoPorts) {
  const auto catalog = catalog_of("[sip]\nenabled = false\n[xmpp]\nenabled = false\n[snatmap]\nenabled = false\n");
  for (const char* s : {"sip", "sip-tcp", "sip-tls", "xmpp", "xmpp-tls", "reflector", "reflector-tcp"})
    EXPECT_FALSE(find(catalog, s)) << s;
  EXPECT_TRUE(find(catalog, "media"));  // the clients' ports stay
}

TEST(PortSettings, SipOverUdpOnlyHasNoTcpRowAndAWiderAlternateOffsetItsOwnRow) {
  auto c = load_config(std::nullopt, {"sip.tcp=false", "snatmap.alternate_port_offset=10", "snatmap.ports=[5678]"});
  ASSERT_TRUE(c) << c.error().message();
  const auto catalog = diag::port_catalog(port_settings_from(*c));
  EXPECT_TRUE(find(catalog, "sip"));
  EXPECT_FALSE(find(catalog, "sip-tcp"));
  std::vector<std::string> reflector;
  for (const auto& e : catalog)
    if (e.service == "reflector") reflector.push_back(e.ports());
  EXPECT_EQ(reflector, (std::vector<std::string>{"5678", "5688"}));
  std::vector<std::string> reflector_tcp;
  for (const auto& e : catalog)
    if (e.service == "reflector-tcp") reflector_tcp.push_back(e.ports());
  EXPECT_EQ(reflector_tcp, (std::vector<std::string>{"5678", "5688"}));
}
