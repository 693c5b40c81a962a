// confabd's configuration: defaults, files, --set, and errors that name the key and line.
#include "server/config.hpp"

#include <gtest/gtest.h>

#include <fstream>

using namespace confab;
using namespace confab::server;

namespace {

std::filesystem::path write_file(const std::string& name, const std::string& text) {
  auto p = std::filesystem::temp_directory_path() / ("confab_config_test_" + name + ".toml");
  std::ofstream(p) << text;
  return p;
}

}  // namespace

TEST(Config, TheBuiltInDefaultsLoadWithNoFile) {
  auto c = load_config(std::nullopt, {});
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(c->snatmap.ports, (std::vector<std::uint16_t>{5678, 3478}));
  EXPECT_TRUE(c->snatmap.address.is_unspecified());
  EXPECT_FALSE(c->snatmap.alternate_address);
  EXPECT_GE(c->server.workers, 1u);
  EXPECT_EQ(c->server.control_socket, std::filesystem::path("confab-data/confabd.sock"));
  EXPECT_EQ(c->snatmap.limits.requests_per_second, 200);
}

TEST(Config, TheDefaultTextIsAValidConfigFile) {
  auto p = write_file("defaults", std::string(default_config_text()));
  auto c = load_config(p, {});
  ASSERT_TRUE(c) << c.error().message();
}

TEST(Config, AFileOverridesTheDefaults) {
  auto p = write_file("file", "[snatmap]\naddress = \"203.0.113.10\"\nalternate_address = \"203.0.113.11\"\nports = [9000]\n");
  auto c = load_config(p, {});
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(c->snatmap.address.to_string(), "203.0.113.10");
  EXPECT_EQ(c->snatmap.alternate_address->to_string(), "203.0.113.11");
  EXPECT_EQ(c->snatmap.ports, std::vector<std::uint16_t>{9000});
}

TEST(Config, SetOverridesTheFileAndAcceptsBareWords) {
  auto p = write_file("set", "[log]\nlevel = \"warn\"\n");
  auto c = load_config(p, {"log.level=debug", "snatmap.ports=[7000, 7002]", "server.workers=3"});
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(c->log.level, "debug");
  EXPECT_EQ(c->snatmap.ports, (std::vector<std::uint16_t>{7000, 7002}));
  EXPECT_EQ(c->server.workers, 3u);
}

TEST(Config, AnUnknownKeyIsAnErrorNamingTheKeyAndLine) {
  auto p = write_file("unknown", "[snatmap]\nenabled = true\nprots = [1]\n");
  auto c = load_config(p, {});
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().key, "snatmap.prots");
  EXPECT_EQ(c.error().where, p.string() + ":3");
  EXPECT_NE(c.error().message().find("unknown key"), std::string::npos);
}

TEST(Config, AWrongTypeIsAnErrorSayingWhatWasExpected) {
  auto p = write_file("type", "[snatmap]\nports = \"5678\"\n");
  auto c = load_config(p, {});
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().key, "snatmap.ports");
  EXPECT_EQ(c.error().message(), p.string() + ":2: snatmap.ports: expected an array, found a string");
}

TEST(Config, ABadValueIsAnErrorNamingWhereItWasSet) {
  auto c = load_config(std::nullopt, {"snatmap.ports=[0]"});
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().where, "--set snatmap.ports=[0]");
  auto a = load_config(std::nullopt, {"snatmap.address=not-an-ip"});
  ASSERT_FALSE(a);
  EXPECT_NE(a.error().problem.find("not an IPv4 or IPv6 address"), std::string::npos);
}

TEST(Config, AnAlternateAddressNeedsASpecificPrimaryAddress) {
  auto c = load_config(std::nullopt, {"snatmap.alternate_address=203.0.113.11"});
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().key, "snatmap.alternate_address");
}

TEST(Config, ATomlSyntaxErrorNamesTheLine) {
  auto p = write_file("syntax", "[log]\nlevel = \n");
  auto c = load_config(p, {});
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().where, p.string() + ":2");
}

TEST(Config, AnUnreadableFileIsAnError) {
  auto c = load_config(std::filesystem::path("/nonexistent/confab.toml"), {});
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().problem, "cannot read the file");
}
