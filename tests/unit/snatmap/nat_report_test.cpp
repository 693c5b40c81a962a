// The classic-name table of docs/nat-report.md and the advice table.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>

#include "snatmap/nat_report.hpp"

namespace confab::snatmap {
namespace {

constexpr auto eim = Mapping::endpoint_independent;
constexpr auto adm = Mapping::address_dependent;
constexpr auto apdm = Mapping::address_and_port_dependent;
constexpr auto eif = Filtering::endpoint_independent;
constexpr auto adf = Filtering::address_dependent;
constexpr auto apdf = Filtering::address_and_port_dependent;

TEST(NatReport, EnumsPrintAsTheJsonStringsOfTheDoc) {
  EXPECT_STREQ(to_string(Mapping::unknown), "unknown");
  EXPECT_STREQ(to_string(eim), "endpoint-independent");
  EXPECT_STREQ(to_string(adm), "address-dependent");
  EXPECT_STREQ(to_string(apdm), "address-and-port-dependent");
  EXPECT_STREQ(to_string(adf), "address-dependent");
  EXPECT_STREQ(to_string(ClassicNat::open), "open");
  EXPECT_STREQ(to_string(ClassicNat::firewall), "firewall");
  EXPECT_STREQ(to_string(ClassicNat::full_cone), "full-cone");
  EXPECT_STREQ(to_string(ClassicNat::restricted_cone), "restricted-cone");
  EXPECT_STREQ(to_string(ClassicNat::port_restricted_cone), "port-restricted-cone");
  EXPECT_STREQ(to_string(ClassicNat::symmetric), "symmetric");
  EXPECT_STREQ(to_string(ClassicNat::udp_blocked), "udp-blocked");
  EXPECT_STREQ(to_string(ClassicNat::unknown), "unknown");
}

TEST(NatReport, ClassicNamesFollowTheTableInTheDoc) {
  struct Row {
    std::optional<bool> behind_nat;
    Mapping mapping;
    Filtering filtering;
    ClassicNat want;
  };
  const Row rows[] = {
      {false, eim, eif, ClassicNat::open},
      {false, eim, adf, ClassicNat::firewall},
      {false, eim, apdf, ClassicNat::firewall},
      {true, eim, eif, ClassicNat::full_cone},
      {true, eim, adf, ClassicNat::restricted_cone},
      {true, eim, apdf, ClassicNat::port_restricted_cone},
      {true, adm, eif, ClassicNat::symmetric},
      {true, adm, adf, ClassicNat::symmetric},
      {true, adm, apdf, ClassicNat::symmetric},
      {true, apdm, eif, ClassicNat::symmetric},
      {true, apdm, adf, ClassicNat::symmetric},
      {true, apdm, apdf, ClassicNat::symmetric},
      // What cannot be told stays unknown...
      {true, eim, Filtering::unknown, ClassicNat::unknown},
      {true, Mapping::unknown, eif, ClassicNat::unknown},
      {false, eim, Filtering::unknown, ClassicNat::unknown},
      {std::nullopt, eim, eif, ClassicNat::unknown},
      // ...but an endpoint-dependent mapping is symmetric whatever the filtering.
      {true, apdm, Filtering::unknown, ClassicNat::symmetric},
  };
  for (const auto& r : rows)
    EXPECT_STREQ(to_string(classic_name(r.behind_nat, r.mapping, r.filtering, true)), to_string(r.want))
        << to_string(r.mapping) << " / " << to_string(r.filtering);
}

TEST(NatReport, NoUdpIsUdpBlockedWhateverElseIsKnown) {
  EXPECT_EQ(classic_name(true, eim, eif, false), ClassicNat::udp_blocked);
  EXPECT_EQ(classic_name(std::nullopt, Mapping::unknown, Filtering::unknown, false), ClassicNat::udp_blocked);
}

// Hole punching between two NATs, the reasoning in nat_advice.cpp as a table.
TEST(DirectPath, FollowsTheHolePunchingTable) {
  struct Row {
    PeerNat a, b;
    DirectPath want;
  };
  const Row rows[] = {
      // Both endpoint-independent: always, even port-restricted on both sides.
      {{eim, eif}, {eim, eif}, DirectPath::works},
      {{eim, apdf}, {eim, apdf}, DirectPath::works},
      {{eim, adf}, {eim, apdf}, DirectPath::works},
      // One symmetric: only if the other side's filter ignores ports.
      {{apdm, apdf}, {eim, eif}, DirectPath::works},
      {{apdm, apdf}, {eim, adf}, DirectPath::works},
      {{apdm, eif}, {eim, apdf}, DirectPath::fails},
      {{adm, apdf}, {eim, apdf}, DirectPath::fails},
      {{adm, eif}, {eim, adf}, DirectPath::works},
      // Both symmetric: never (no port prediction).
      {{apdm, eif}, {apdm, eif}, DirectPath::fails},
      {{adm, eif}, {apdm, eif}, DirectPath::fails},
      // Unknowns resolve when every possibility agrees.
      {{Mapping::unknown, Filtering::unknown}, {eim, eif}, DirectPath::works},
      {{Mapping::unknown, apdf}, {eim, apdf}, DirectPath::unknown},
      {{apdm, apdf}, {eim, Filtering::unknown}, DirectPath::unknown},
      {{apdm, apdf}, {Mapping::unknown, apdf}, DirectPath::fails},
  };
  for (const auto& r : rows) {
    EXPECT_STREQ(to_string(direct_path(r.a, r.b)), to_string(r.want))
        << to_string(r.a.mapping) << "+" << to_string(r.a.filtering) << " vs " << to_string(r.b.mapping) << "+"
        << to_string(r.b.filtering);
    EXPECT_EQ(direct_path(r.b, r.a), direct_path(r.a, r.b)) << "not symmetric";
  }
}

NatReport udp_report(Mapping m, Filtering f) {
  NatReport r;
  r.udp = true;
  r.behind_nat = true;
  r.rfc5780 = true;
  r.mapping = m;
  r.filtering = f;
  return r;
}

TEST(Advice, AFullConeNatCanCallEveryone) {
  EXPECT_EQ(advice(udp_report(eim, eif)),
            std::vector<std::string>{"Direct calls will work with peers behind any NAT, including symmetric ones"});
}

TEST(Advice, ARestrictedConeNatCanCallEveryoneToo) {
  EXPECT_EQ(advice(udp_report(eim, adf)),
            std::vector<std::string>{"Direct calls will work with peers behind any NAT, including symmetric ones"});
}

TEST(Advice, APortRestrictedConeNatNeedsARelayOnlyForSymmetricPeers) {
  EXPECT_EQ(advice(udp_report(eim, apdf)),
            (std::vector<std::string>{"Direct calls will work with peers behind any NAT except symmetric ones",
                                      "A relay will be needed when calling peers behind symmetric NATs"}));
}

TEST(Advice, ASymmetricNatWorksOnlyWithConesThatIgnorePorts) {
  EXPECT_EQ(advice(udp_report(apdm, apdf)),
            (std::vector<std::string>{
                "Direct calls will work only with peers that have no NAT or a full-cone or restricted-cone NAT",
                "A relay will be needed when calling peers behind port-restricted-cone or symmetric NATs"}));
}

TEST(Advice, UnknownFilteringBehindAnEimNatLeavesSymmetricPeersOpen) {
  auto r = udp_report(eim, Filtering::unknown);
  EXPECT_EQ(advice(r), (std::vector<std::string>{
                           "Direct calls will work only with peers that have no NAT or a full-cone, "
                           "restricted-cone or port-restricted-cone NAT",
                           "It could not be determined whether direct calls work with peers behind symmetric "
                           "NATs; a relay may be needed"}));
}

TEST(Advice, BlockedUdpMeansARelayOverTcp) {
  NatReport r;
  EXPECT_EQ(advice(r), std::vector<std::string>{"UDP is blocked: calls need a relay over TCP/TLS"});
  r.tcp = TcpReport{false, std::nullopt};
  EXPECT_EQ(advice(r).size(), 2u);
}

TEST(Advice, AnOpenAddressSaysSoFirst) {
  auto r = udp_report(Mapping::unknown, eif);
  r.behind_nat = false;
  EXPECT_EQ(advice(r).at(0), "This address is public and unfiltered: peers can reach it directly");
}

TEST(Advice, HairpinningAndLifetimeGetASentenceEach) {
  auto r = udp_report(eim, eif);
  r.hairpinning = false;
  r.mapping_lifetime = 20;
  r.mapping_lifetime_expired_by = 30;
  auto a = advice(r);
  ASSERT_EQ(a.size(), 3u);
  EXPECT_EQ(a[1],
            "This NAT does not hairpin: calls with people behind the same NAT need their local addresses or a relay");
  EXPECT_EQ(a[2], "Idle UDP mappings last at least 20 seconds, so the usual 15-second keepalives keep calls open");
  r.mapping_lifetime = 5;
  r.mapping_lifetime_expired_by = 10;
  EXPECT_EQ(advice(r)[2],
            "This NAT forgets an idle UDP mapping within 10 seconds: keepalives must be sent more often than that "
            "or calls will drop during silence");
}

}  // namespace
}  // namespace confab::snatmap
