// ICE through topologies beyond "each behind its own NAT": both on the
// internet, both behind one NAT, two home NATs behind a carrier-grade NAT
// (hairpinning on and off), UDP blocked, stateful firewalls.
#include <gtest/gtest.h>

#include "sim/ice_expectations.hpp"
#include "sim/ice_scenario.hpp"

namespace confab::sim::icesim {
namespace {

using namespace std::chrono_literals;
using ice::CandidateType;
constexpr auto ei = Behaviour::endpoint_independent;
constexpr auto ad = Behaviour::address_dependent;
constexpr auto apd = Behaviour::address_and_port_dependent;

TEST(IceTopology, TwoPublicHostsUseTheirHostCandidates) {
  IceOutcome o = run_ice({});
  ASSERT_TRUE(o.connected());
  EXPECT_EQ(o.a_pair->local.type, CandidateType::host);
  EXPECT_EQ(o.a_pair->remote.type, CandidateType::host);
  EXPECT_LE(*o.time_to_connect(), 500ms);
}

TEST(IceTopology, TwoHostsBehindOneNatTalkOverTheLanWhateverTheNat) {
  for (bool hairpin : {false, true}) {
    for (auto [m, f] : {std::pair{ei, ei}, std::pair{apd, apd}}) {
      SCOPED_TRACE(hairpin ? "hairpinning" : "no hairpinning");
      IceScenario s;
      s.topology = Topology::same_lan;
      s.shared = nat(m, f, ip("198.51.100.1"), hairpin);
      IceOutcome o = run_ice(s);
      ASSERT_TRUE(o.connected());
      // Host candidates have the highest priority and answer directly.
      EXPECT_EQ(o.a_pair->local.type, CandidateType::host);
      EXPECT_EQ(o.a_pair->remote.type, CandidateType::host);
      EXPECT_EQ(o.a_pair->remote.address, sa("192.168.1.3:50000"));
    }
  }
}

IceScenario behind_cgn(bool hairpin, Behaviour cgn_filtering, bool same_addresses = false) {
  IceScenario s;
  s.topology = Topology::behind_cgn;
  s.shared = nat(ei, cgn_filtering, ip("198.51.100.100"), hairpin);
  // Typical home routers: port-restricted cones.
  s.a.nat = nat(ei, apd, ip("100.64.0.1"));
  s.b.nat = nat(ei, apd, ip("100.64.0.2"));
  s.same_private_addresses = same_addresses;
  return s;
}

TEST(IceTopology, BehindOneCarrierGradeNatTheSrflxPathNeedsItsHairpinning) {
  for (auto filtering : {ei, apd}) {
    SCOPED_TRACE(filtering == ei ? "CGN with endpoint-independent filtering" : "CGN with port-dependent filtering");
    IceOutcome with = run_ice(behind_cgn(true, filtering));
    ASSERT_TRUE(with.connected());
    // Both srflx addresses are on the CGN's public IP: the path turns there.
    EXPECT_EQ(with.a_pair->local.address.ip, ip("198.51.100.100"));
    EXPECT_EQ(with.a_pair->remote.address.ip, ip("198.51.100.100"));
    IceOutcome without = run_ice(behind_cgn(false, filtering));
    EXPECT_TRUE(without.failed());
  }
}

TEST(IceTopology, IdenticalPrivateAddressesOnBothSidesDoNotConfuseTheAgents) {
  // Both LANs are 192.168.1.0/24 and both hosts are 192.168.1.2:50000: the
  // checks to the peer's host candidate reach ourselves and must be refused.
  IceRun run(behind_cgn(true, ei, true));
  IceOutcome o = run.run();
  ASSERT_TRUE(o.connected());
  EXPECT_EQ(o.a_pair->remote.address.ip, ip("198.51.100.100"));
  EXPECT_GT(run.node_a().agent().counters().unauthorized, 0u);  // its own check, refused
}

TEST(IceTopology, UdpBlockedOnEitherSideFailsWithoutARelay) {
  for (bool a_blocked : {true, false}) {
    IceScenario s;
    NatConfig blocked = nat(ei, ei, ip(a_blocked ? "198.51.100.1" : "198.51.100.2"));
    blocked.udp_blocked = true;
    (a_blocked ? s.a : s.b).nat = blocked;
    IceOutcome o = run_ice(s);
    ASSERT_TRUE(o.failed());
    // Gathering gave up on the reflector (5.5 s) before the list could fail.
    EXPECT_GE(*o.a_failed, 5s);
  }
}

TEST(IceTopology, AStatefulFirewallBehavesLikeAnEndpointIndependentNatWithItsFiltering) {
  for (auto filtering : {ei, ad, apd}) {
    for (auto peer : {Behaviours{ei, apd}, Behaviours{apd, apd}, Behaviours{ad, ei}}) {
      IceScenario s;
      NatConfig fw = nat(ei, filtering, ip("198.51.100.1"));
      fw.translate = false;
      s.a.nat = fw;
      s.b.nat = nat(peer.mapping, peer.filtering, ip("198.51.100.2"));
      const bool expected = direct_path_expected(behaviours_of(fw), peer);
      SCOPED_TRACE(testing::Message() << "firewall filtering " << static_cast<int>(filtering) << ", peer "
                                      << static_cast<int>(peer.mapping) << static_cast<int>(peer.filtering));
      IceOutcome o = run_ice(s);
      if (expected) {
        ASSERT_TRUE(o.connected());
        // The firewalled host is reached on its own (public) host candidate.
        EXPECT_EQ(o.b_pair->remote.address, sa("198.51.100.1:50000"));
      } else {
        EXPECT_TRUE(o.failed());
      }
    }
  }
}

TEST(IceTopology, ASymmetricNatAndAPortRestrictedConeFailInBothRoles) {
  // The classic case that needs TURN: whichever side offers.
  for (bool swap : {false, true}) {
    IceScenario s;
    s.a.nat = nat(apd, apd, ip("198.51.100.1"));
    s.b.nat = nat(ei, apd, ip("198.51.100.2"));
    if (swap) std::swap(s.a.nat->mapping, s.b.nat->mapping);
    EXPECT_TRUE(run_ice(s).failed());
  }
}

TEST(IceTopology, FailureIsReportedWithinTwoMinutes) {
  // The slowest failures: the peer-reflexive chase between two
  // address-and-port-dependent mappings, and late-learned pairs.
  for (auto [a, b] : {std::pair{Behaviours{apd, ei}, Behaviours{apd, ei}}, std::pair{Behaviours{ei, apd}, Behaviours{ad, ei}}}) {
    IceScenario s;
    s.a.nat = nat(a.mapping, a.filtering, ip("198.51.100.1"));
    s.b.nat = nat(b.mapping, b.filtering, ip("198.51.100.2"));
    IceOutcome o = run_ice(s);
    ASSERT_TRUE(o.failed());
    EXPECT_LE(std::max(*o.a_failed, *o.b_failed), 2min);
  }
}

}  // namespace
}  // namespace confab::sim::icesim
