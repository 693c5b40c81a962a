// [xmpp.components] (XEP-0114): the listener and the components allowed,
// with errors that name the entry and what is wrong with it.
#include <gtest/gtest.h>

#include <algorithm>
#include <optional>

#include <fstream>

#include "server/config.hpp"

using namespace confab;
using namespace confab::server;

namespace {

std::filesystem::path write_file(const std::string& name, const std::string& text) {
  auto p = std::filesystem::temp_directory_path() / ("confab_component_config_test_" + name + ".toml");
  std::ofstream(p) << text;
  return p;
}

Result<Config, ConfigError> with(std::vector<std::string> settings) { return load_config(std::nullopt, settings); }

}  // namespace

TEST(ComponentConfig, OffByDefaultOnLoopback5347) {
  auto c = with({});
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_FALSE(c->xmpp.components.enabled);
  EXPECT_EQ(c->xmpp.components.address.to_string(), "127.0.0.1");
  EXPECT_EQ(c->xmpp.components.port, 5347);
  EXPECT_TRUE(c->xmpp.components.list.empty());
}

TEST(ComponentConfig, ComponentsAsArrayOfTables) {
  auto p = write_file("tables",
                      "[xmpp.components]\nenabled = true\n"
                      "[[xmpp.components.list]]\ndomain = \"Echo.Example.org\"\nsecret = \"0123456789\"\n"
                      "[[xmpp.components.list]]\ndomain = \"irc.example.org\"\nsecret = \"abcdefghij\"\n");
  auto c = load_config(p, {});
  ASSERT_TRUE(c) << c.error().message();
  ASSERT_EQ(c->xmpp.components.list.size(), 2u);
  EXPECT_EQ(c->xmpp.components.list[0].domain, "echo.example.org");  // canonical
  EXPECT_EQ(c->xmpp.components.list[0].secret, "0123456789");
  EXPECT_EQ(c->xmpp.components.list[1].domain, "irc.example.org");
}

TEST(ComponentConfig, ComponentsInlineFromSet) {
  auto c = with({"xmpp.components.enabled=true", "xmpp.components.port=15347",
                 "xmpp.components.list=[{domain=\"echo.example.org\", secret=\"long enough\"}]"});
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(c->xmpp.components.port, 15347);
  ASSERT_EQ(c->xmpp.components.list.size(), 1u);
}

// The port is in the catalog (confab ports, portcheck, firewall) only when
// the listener is on, and as local-only: never opened to the internet.
TEST(ComponentConfig, TheCatalogListsThePortOnlyWhenEnabledAndLocalOnly) {
  auto named = [](const Config& c) {
    auto catalog = diag::port_catalog(port_settings_from(c));
    auto it = std::find_if(catalog.begin(), catalog.end(),
                           [](const diag::CatalogEntry& e) { return e.service == "xmpp-component"; });
    return it == catalog.end() ? std::optional<diag::CatalogEntry>() : std::optional(*it);
  };
  auto off = with({});
  ASSERT_TRUE(off);
  EXPECT_FALSE(named(*off));
  auto on = with({"xmpp.components.enabled=true", "xmpp.components.port=15347",
                  "xmpp.components.list=[{domain=\"echo.example.org\", secret=\"long enough\"}]"});
  ASSERT_TRUE(on) << on.error().message();
  auto e = named(*on);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->first, 15347);
  EXPECT_EQ(e->proto, diag::Proto::tcp);
  EXPECT_TRUE(e->local_only);
}

TEST(ComponentConfig, EnabledWithoutComponentsIsAnError) {
  auto c = with({"xmpp.components.enabled=true"});
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().key, "xmpp.components.list");
  EXPECT_NE(c.error().problem.find("at least one component"), std::string::npos);
}

TEST(ComponentConfig, BadEntriesAreNamed) {
  struct Case {
    std::string list, expect;
  };
  for (const Case& k : std::vector<Case>{
           {"[{domain=\"echo.example.org\"}]", "entry 1: secret"},
           {"[{domain=\"echo.example.org\", secret=\"short\"}]", "at least 8 characters"},
           {"[{secret=\"0123456789\"}]", "entry 1: domain"},
           {"[{domain=\"bot@echo.example.org\", secret=\"0123456789\"}]", "not a JID with a local part"},
           {"[{domain=\"bad domain\", secret=\"0123456789\"}]", "entry 1: domain \"bad domain\""},
           {"[{domain=\"example.org\", secret=\"0123456789\"}]", "one of xmpp.domains"},
           {"[{domain=\"conference.example.org\", secret=\"0123456789\"}]", "xmpp.muc.domain"},
           {"[{domain=\"upload.example.org\", secret=\"0123456789\"}]", "xmpp.upload.domain"},
           {"[{domain=\"a.example.org\", secret=\"0123456789\"}, {domain=\"A.example.org\", secret=\"0123456789\"}]",
            "entry 2: domain a.example.org is listed twice"},
           {"[{domain=\"a.example.org\", secret=\"0123456789\", name=\"x\"}]", "unknown key \"name\""},
           {"[\"a.example.org\"]", "entry 1: expected a table"},
       }) {
    auto c = with({"xmpp.components.enabled=true", "xmpp.components.list=" + k.list});
    ASSERT_FALSE(c) << k.list;
    EXPECT_EQ(c.error().key, "xmpp.components.list") << k.list;
    EXPECT_NE(c.error().problem.find(k.expect), std::string::npos) << k.list << " → " << c.error().message();
    EXPECT_NE(c.error().where.find("--set xmpp.components.list="), std::string::npos) << c.error().where;
  }
}

TEST(ComponentConfig, ThePortMustNotBeAnotherXmppPort) {
  for (const char* port : {"5222", "5223", "5443"}) {
    auto c = with({"xmpp.components.enabled=true", std::string("xmpp.components.port=") + port,
                   "xmpp.components.list=[{domain=\"echo.example.org\", secret=\"0123456789\"}]"});
    ASSERT_FALSE(c) << port;
    EXPECT_EQ(c.error().key, "xmpp.components.port");
  }
}
