// The simulated network itself: links, time, and the RFC 4787 NAT model.
#include <gtest/gtest.h>

#include <memory>

#include "sim/nodes.hpp"
#include "sim/sim_test_util.hpp"
#include "sim/world.hpp"

namespace confab::sim {
namespace {

using simtest::ip;
using simtest::sa;

const Bytes payload{1, 2, 3};

// One host on the internet (a "server" with two addresses) and one behind a
// NAT, both recording what they get.
struct NatFixture {
  explicit NatFixture(NatConfig nat) {
    server = world.add_node(std::make_unique<ScriptNode>(), {ip("203.0.113.10"), ip("203.0.113.11")});
    inside = world.add_nat(nat);
    client = world.add_node(std::make_unique<ScriptNode>(), {ip("192.168.1.2")}, inside);
  }
  ScriptNode& server_node() { return world.node<ScriptNode>(server); }
  ScriptNode& client_node() { return world.node<ScriptNode>(client); }
  // Client sends to `to`; returns the source the server saw (nullopt if nothing arrived).
  std::optional<SocketAddress> client_sends(SocketAddress to) {
    auto before = server_node().received().size();
    client_node().send(sa("192.168.1.2:50000"), to, payload);
    world.run_for(std::chrono::seconds(1));
    if (server_node().received().size() == before) return std::nullopt;
    return server_node().received().back().remote;
  }
  // Server sends from `from` to `to`; true if the client got it.
  bool server_sends(SocketAddress from, SocketAddress to) {
    auto before = client_node().received().size();
    server_node().send(from, to, payload);
    world.run_for(std::chrono::seconds(1));
    return client_node().received().size() > before;
  }

  World world;
  NodeId server = 0, client = 0;
  Realm inside = 0;
};

NatConfig nat(Behaviour mapping, Behaviour filtering) {
  NatConfig c;
  c.public_ip = ip("198.51.100.1");
  c.mapping = mapping;
  c.filtering = filtering;
  return c;
}

constexpr auto eim = Behaviour::endpoint_independent;
constexpr auto adm = Behaviour::address_dependent;
constexpr auto apdm = Behaviour::address_and_port_dependent;

TEST(World, DeliversAPacketAfterTheSenderAndReceiverLinkDelays) {
  World world;
  auto a = world.add_node(std::make_unique<ScriptNode>(), {ip("203.0.113.1")}, internet,
                          {std::chrono::milliseconds(20), 0});
  auto b = world.add_node(std::make_unique<ScriptNode>(), {ip("203.0.113.2")}, internet,
                          {std::chrono::milliseconds(30), 0});
  Instant start = world.now();
  world.node<ScriptNode>(a).send(sa("203.0.113.1:1000"), sa("203.0.113.2:2000"), payload);
  ASSERT_TRUE(world.run_until([&] { return !world.node<ScriptNode>(b).received().empty(); }, std::chrono::seconds(1)));
  const auto& r = world.node<ScriptNode>(b).received().front();
  EXPECT_EQ(r.at - start, std::chrono::milliseconds(50));
  EXPECT_EQ(r.local, sa("203.0.113.2:2000"));
  EXPECT_EQ(r.remote, sa("203.0.113.1:1000"));
  EXPECT_EQ(r.bytes, payload);
}

TEST(World, JumpsStraightToATimerAnHourAway) {
  World world;
  auto a = world.add_node(std::make_unique<ScriptNode>(), {ip("203.0.113.1")});
  auto b = world.add_node(std::make_unique<ScriptNode>(), {ip("203.0.113.2")});
  Instant at = world.now() + std::chrono::hours(1);
  world.node<ScriptNode>(a).send_at(at, sa("203.0.113.1:1"), sa("203.0.113.2:2"), payload);
  ASSERT_TRUE(world.run_until([&] { return !world.node<ScriptNode>(b).received().empty(); }, std::chrono::hours(2)));
  EXPECT_EQ(world.node<ScriptNode>(b).received().front().at, at + std::chrono::milliseconds(20));
}

TEST(World, DropsAPacketSentFromAnAddressTheNodeDoesNotHave) {
  World world;
  auto a = world.add_node(std::make_unique<ScriptNode>(), {ip("203.0.113.1")});
  world.add_node(std::make_unique<ScriptNode>(), {ip("203.0.113.2")});
  world.node<ScriptNode>(a).send(sa("203.0.113.9:1"), sa("203.0.113.2:2"), payload);
  world.run_for(std::chrono::seconds(1));
  EXPECT_EQ(world.counters().bad_source, 1u);
  EXPECT_EQ(world.counters().delivered, 0u);
}

TEST(World, LosesAboutTheConfiguredShareOfPacketsAndTheSameOnesForTheSameSeed) {
  auto run = [](std::uint64_t seed) {
    World world(seed);
    auto a = world.add_node(std::make_unique<ScriptNode>(), {ip("203.0.113.1")}, internet,
                            {std::chrono::milliseconds(1), 0.25});
    auto b = world.add_node(std::make_unique<ScriptNode>(), {ip("203.0.113.2")});
    for (int i = 0; i < 1000; ++i) world.node<ScriptNode>(a).send(sa("203.0.113.1:1"), sa("203.0.113.2:2"), payload);
    world.run_for(std::chrono::seconds(1));
    return world.node<ScriptNode>(b).received().size();
  };
  auto got = run(7);
  EXPECT_GT(got, 700u);
  EXPECT_LT(got, 800u);
  EXPECT_EQ(run(7), got);
}

TEST(NatBox, EndpointIndependentMappingShowsEveryDestinationTheSameAddress) {
  NatFixture f(nat(eim, eim));
  auto a = f.client_sends(sa("203.0.113.10:5678"));
  auto b = f.client_sends(sa("203.0.113.11:5679"));
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->ip, ip("198.51.100.1"));
  EXPECT_EQ(*a, *b);
}

TEST(NatBox, AddressDependentMappingChangesPortOnlyForANewAddress) {
  NatFixture f(nat(adm, eim));
  auto a = f.client_sends(sa("203.0.113.10:5678"));
  auto b = f.client_sends(sa("203.0.113.10:5679"));
  auto c = f.client_sends(sa("203.0.113.11:5678"));
  EXPECT_EQ(*a, *b);
  EXPECT_NE(*a, *c);
}

TEST(NatBox, AddressAndPortDependentMappingChangesPortForANewPort) {
  NatFixture f(nat(apdm, eim));
  auto a = f.client_sends(sa("203.0.113.10:5678"));
  auto b = f.client_sends(sa("203.0.113.10:5679"));
  EXPECT_NE(*a, *b);
}

TEST(NatBox, PortPreservationKeepsTheInternalPortWhileItIsFree) {
  auto c = nat(apdm, eim);
  c.port_preservation = true;
  NatFixture f(c);
  EXPECT_EQ(f.client_sends(sa("203.0.113.10:5678")), sa("198.51.100.1:50000"));
  EXPECT_NE(f.client_sends(sa("203.0.113.10:5679"))->port, 50000);
}

TEST(NatBox, EndpointIndependentFilteringLetsAnyoneReachAMapping) {
  NatFixture f(nat(eim, eim));
  auto m = f.client_sends(sa("203.0.113.10:5678"));
  EXPECT_TRUE(f.server_sends(sa("203.0.113.11:9999"), *m));
}

TEST(NatBox, AddressDependentFilteringAdmitsOtherPortsOfAContactedAddressOnly) {
  NatFixture f(nat(eim, adm));
  auto m = f.client_sends(sa("203.0.113.10:5678"));
  EXPECT_TRUE(f.server_sends(sa("203.0.113.10:5679"), *m));
  EXPECT_FALSE(f.server_sends(sa("203.0.113.11:5678"), *m));
}

TEST(NatBox, AddressAndPortDependentFilteringAdmitsOnlyTheContactedEndpoint) {
  NatFixture f(nat(eim, apdm));
  auto m = f.client_sends(sa("203.0.113.10:5678"));
  EXPECT_TRUE(f.server_sends(sa("203.0.113.10:5678"), *m));
  EXPECT_FALSE(f.server_sends(sa("203.0.113.10:5679"), *m));
  EXPECT_EQ(f.world.nat(f.inside).counters().filtered, 1u);
}

TEST(NatBox, DropsUnsolicitedPacketsToAPortWithoutAMapping) {
  NatFixture f(nat(eim, eim));
  EXPECT_FALSE(f.server_sends(sa("203.0.113.10:5678"), sa("198.51.100.1:40000")));
  EXPECT_EQ(f.world.nat(f.inside).counters().no_mapping, 1u);
}

TEST(NatBox, ForgetsAMappingAfterItsIdleLifetimeInSimulatedTime) {
  auto c = nat(eim, eim);
  c.mapping_lifetime = std::chrono::seconds(90);
  NatFixture f(c);
  auto m = f.client_sends(sa("203.0.113.10:5678"));
  f.world.run_for(std::chrono::seconds(60));
  EXPECT_TRUE(f.server_sends(sa("203.0.113.10:5678"), *m));  // inbound does not refresh
  f.world.run_for(std::chrono::seconds(30));
  EXPECT_FALSE(f.server_sends(sa("203.0.113.10:5678"), *m));
  EXPECT_EQ(f.world.nat(f.inside).counters().expired, 1u);
}

TEST(NatBox, HairpinningBringsAPacketToOurOwnMappingBackInside) {
  auto c = nat(eim, apdm);
  c.hairpinning = true;
  NatFixture f(c);
  auto m = f.client_sends(sa("203.0.113.10:5678"));
  f.client_node().send(sa("192.168.1.2:50000"), *m, payload);
  f.world.run_for(std::chrono::seconds(1));
  ASSERT_EQ(f.client_node().received().size(), 1u);
  EXPECT_EQ(f.client_node().received()[0].remote, *m);  // from the external address (REQ-9)
}

TEST(NatBox, WithoutHairpinningAPacketToOurOwnMappingIsDropped) {
  NatFixture f(nat(eim, eim));
  auto m = f.client_sends(sa("203.0.113.10:5678"));
  f.client_node().send(sa("192.168.1.2:50000"), *m, payload);
  f.world.run_for(std::chrono::seconds(1));
  EXPECT_TRUE(f.client_node().received().empty());
}

TEST(NatBox, BlockingUdpDropsEveryOutgoingPacket) {
  auto c = nat(eim, eim);
  c.udp_blocked = true;
  NatFixture f(c);
  EXPECT_FALSE(f.client_sends(sa("203.0.113.10:5678")));
  EXPECT_EQ(f.world.nat(f.inside).counters().blocked, 1u);
}

TEST(NatBox, AFirewallKeepsAddressesButFiltersUnsolicitedPackets) {
  World world;
  auto server = world.add_node(std::make_unique<ScriptNode>(), {ip("203.0.113.10")});
  auto c = nat(eim, apdm);
  c.translate = false;
  auto inside = world.add_nat(c);
  auto host = world.add_node(std::make_unique<ScriptNode>(), {ip("198.51.100.7")}, inside);
  world.node<ScriptNode>(host).send(sa("198.51.100.7:5000"), sa("203.0.113.10:5678"), payload);
  world.run_for(std::chrono::seconds(1));
  EXPECT_EQ(world.node<ScriptNode>(server).received().at(0).remote, sa("198.51.100.7:5000"));
  world.node<ScriptNode>(server).send(sa("203.0.113.10:5678"), sa("198.51.100.7:5000"), payload);
  world.node<ScriptNode>(server).send(sa("203.0.113.10:9999"), sa("198.51.100.7:5000"), payload);
  world.run_for(std::chrono::seconds(1));
  EXPECT_EQ(world.node<ScriptNode>(host).received().size(), 1u);
}

TEST(NatBox, NestedNatsTranslateTwiceAndAnswersFindTheirWayBack) {
  World world;
  auto server = world.add_node(std::make_unique<ScriptNode>(true), {ip("203.0.113.10")});
  auto isp = world.add_nat(nat(eim, eim));  // carrier-grade NAT, 198.51.100.1
  NatConfig home = nat(eim, eim);
  home.public_ip = ip("100.64.0.2");
  auto lan = world.add_nat(home, isp);
  auto host = world.add_node(std::make_unique<ScriptNode>(), {ip("192.168.1.2")}, lan);
  world.node<ScriptNode>(host).send(sa("192.168.1.2:50000"), sa("203.0.113.10:5678"), payload);
  world.run_for(std::chrono::seconds(1));
  EXPECT_EQ(world.node<ScriptNode>(server).received().at(0).remote.ip, ip("198.51.100.1"));
  ASSERT_EQ(world.node<ScriptNode>(host).received().size(), 1u);  // the echo
  EXPECT_EQ(world.node<ScriptNode>(host).received()[0].remote, sa("203.0.113.10:5678"));
}

}  // namespace
}  // namespace confab::sim
