// The [portcheck] section: on by default on TCP 5680, in the port catalog,
// and bad values named by key.
#include <gtest/gtest.h>

#include <algorithm>

#include "server/config.hpp"

using namespace confab;
using namespace confab::server;

TEST(PortcheckConfig, IsOnByDefaultOnTcp5680AndInTheCatalog) {
  auto c = load_config(std::nullopt, {});
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_TRUE(c->portcheck.enabled);
  EXPECT_EQ(c->portcheck.port, 5680);
  EXPECT_EQ(c->portcheck.session_lifetime, std::chrono::seconds(60));
  auto catalog = diag::port_catalog(port_settings_from(*c));
  auto it = std::find_if(catalog.begin(), catalog.end(), [](const diag::CatalogEntry& e) { return e.service == "portcheck"; });
  ASSERT_NE(it, catalog.end());
  EXPECT_EQ(it->first, 5680);
  EXPECT_EQ(it->proto, diag::Proto::tcp);
}

TEST(PortcheckConfig, AChangedPortAndDisablingFollowIntoTheCatalog) {
  auto c = load_config(std::nullopt, {"portcheck.port=15680", "portcheck.max_sessions=2"});
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(c->portcheck.port, 15680);
  EXPECT_EQ(c->portcheck.max_sessions, 2u);
  EXPECT_EQ(port_settings_from(*c).portcheck_port, 15680);
  auto off = load_config(std::nullopt, {"portcheck.enabled=false"});
  ASSERT_TRUE(off);
  EXPECT_EQ(port_settings_from(*off).portcheck_port, 0);
}

TEST(PortcheckConfig, BadValuesNameTheKey) {
  auto c = load_config(std::nullopt, {"portcheck.session_lifetime=1"});
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().key, "portcheck.session_lifetime");
  auto a = load_config(std::nullopt, {"portcheck.address=nowhere"});
  ASSERT_FALSE(a);
  EXPECT_EQ(a.error().key, "portcheck.address");
}
