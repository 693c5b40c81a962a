// [xmpp.s2s]: federation's settings, its static routes with errors that
// name the entry, and its port in the catalog.
#include <gtest/gtest.h>

#include <algorithm>
#include <optional>

#include "server/config.hpp"

using namespace confab;
using namespace confab::server;

namespace {

Result<Config, ConfigError> with(std::vector<std::string> settings) { return load_config(std::nullopt, settings); }

}  // namespace

TEST(S2sConfig, OffByDefaultOn5269WithTlsRequired) {
  auto c = with({});
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_FALSE(c->xmpp.s2s.enabled);
  EXPECT_EQ(c->xmpp.s2s.port, 5269);
  EXPECT_TRUE(c->xmpp.s2s.require_tls);
  EXPECT_TRUE(c->xmpp.s2s.hosts.empty());
  EXPECT_EQ(c->xmpp.s2s.connect_timeout, std::chrono::seconds(15));
}

TEST(S2sConfig, StaticRoutesTakeAddressesNamesAndDefaultPorts) {
  auto c = with({"xmpp.s2s.enabled=true",
                 R"(xmpp.s2s.hosts=["B.test=127.0.0.1:5270", "c.test=xmpp.c.example:5300", "d.test=[2001:db8::1]:5269", "e.test=192.0.2.9"])"});
  ASSERT_TRUE(c) << c.error().message();
  const auto& h = c->xmpp.s2s.hosts;
  ASSERT_EQ(h.size(), 4u);
  EXPECT_EQ(h[0].domain, "b.test");  // canonical
  EXPECT_EQ(h[0].host, "127.0.0.1");
  EXPECT_EQ(h[0].port, 5270);
  EXPECT_EQ(h[1].host, "xmpp.c.example");
  EXPECT_EQ(h[1].port, 5300);
  EXPECT_EQ(h[2].host, "2001:db8::1");
  EXPECT_EQ(h[3].port, 5269);
}

TEST(S2sConfig, BadRoutesNameTheEntry) {
  auto c = with({R"(xmpp.s2s.hosts=["b.test=127.0.0.1:5270", "no equals sign"])"});
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message().find("entry 2"), std::string::npos) << c.error().message();
  auto p = with({R"(xmpp.s2s.hosts=["b.test=host:99999"])"});
  ASSERT_FALSE(p);
  EXPECT_NE(p.error().message().find("port"), std::string::npos) << p.error().message();
}

TEST(S2sConfig, ThePortMustDifferFromTheClientPorts) {
  EXPECT_FALSE(with({"xmpp.s2s.enabled=true", "xmpp.s2s.port=5222"}));
}

TEST(S2sConfig, TheCatalogListsXmppServerOnlyWhenEnabled) {
  auto named = [](const Config& c) {
    auto catalog = diag::port_catalog(port_settings_from(c));
    auto it = std::find_if(catalog.begin(), catalog.end(),
                           [](const diag::CatalogEntry& e) { return e.service == "xmpp-server"; });
    return it == catalog.end() ? std::optional<diag::CatalogEntry>() : std::optional(*it);
  };
  auto off = with({});
  ASSERT_TRUE(off);
  EXPECT_FALSE(named(*off));
  auto on = with({"xmpp.s2s.enabled=true", "xmpp.s2s.port=15269"});
  ASSERT_TRUE(on) << on.error().message();
  auto e = named(*on);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->first, 15269);
  EXPECT_EQ(e->proto, diag::Proto::tcp);
  EXPECT_FALSE(e->local_only);  // other servers are on the internet
}
