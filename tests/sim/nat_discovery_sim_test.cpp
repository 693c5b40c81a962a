// `confab nat`'s engine against the real reflector through every NAT class
// the simulator models. Each test is one network; the report must be exact.
#include <gtest/gtest.h>

#include <chrono>

#include "sim/discovery_scenario.hpp"

namespace confab::sim {
namespace {

using snatmap::ClassicNat;
using snatmap::Filtering;
using snatmap::Mapping;
using snatmap::NatReport;
using namespace simtest;

constexpr auto eim = Behaviour::endpoint_independent;
constexpr auto adm = Behaviour::address_dependent;
constexpr auto apdm = Behaviour::address_and_port_dependent;

// The report of a client behind a translating NAT and an RFC 5780 server,
// before the behaviour-specific fields are filled in.
NatReport behind_nat_report() {
  NatReport r;
  r.server = server_primary;
  r.udp = true;
  r.local_address = private_socket;
  r.mapped_address = SocketAddress{nat_ip, 40000};
  r.behind_nat = true;
  r.hairpinning = false;
  r.rfc5780 = true;
  r.other_address = server_other;
  return r;
}

void expect_report(const NatReport& got, const NatReport& want, ClassicNat classic) {
  EXPECT_EQ(got.server, want.server);
  EXPECT_EQ(got.udp, want.udp);
  EXPECT_EQ(got.local_address, want.local_address);
  EXPECT_EQ(got.mapped_address, want.mapped_address);
  EXPECT_EQ(got.behind_nat, want.behind_nat);
  EXPECT_STREQ(to_string(got.mapping), to_string(want.mapping));
  EXPECT_STREQ(to_string(got.filtering), to_string(want.filtering));
  EXPECT_EQ(got.hairpinning, want.hairpinning);
  EXPECT_STREQ(to_string(got.classic), to_string(classic));
  EXPECT_EQ(got.mapping_lifetime, want.mapping_lifetime);
  EXPECT_EQ(got.mapping_lifetime_expired_by, want.mapping_lifetime_expired_by);
  EXPECT_EQ(got.rfc5780, want.rfc5780);
  EXPECT_EQ(got.other_address, want.other_address);
  EXPECT_EQ(got.notes, want.notes);
  EXPECT_FALSE(got.tcp.has_value());
  EXPECT_FALSE(got.advice.empty());
}

NatReport discover(const DiscoveryScenario& s) {
  DiscoveryRun run(s);
  NatReport r = run.run();
  EXPECT_TRUE(run.finished());
  return r;
}

TEST(NatDiscoverySim, AClientWithAPublicAddressAndNoFilterIsOpen) {
  NatReport want = behind_nat_report();
  want.local_address = want.mapped_address = public_socket;
  want.behind_nat = false;
  want.hairpinning.reset();  // nothing to hairpin without a NAT
  want.mapping = Mapping::endpoint_independent;
  want.filtering = Filtering::endpoint_independent;
  expect_report(discover({}), want, ClassicNat::open);
}

TEST(NatDiscoverySim, APublicAddressBehindAStatefulFirewallIsFirewall) {
  auto fw = nat_with(eim, apdm);
  fw.translate = false;
  NatReport want = behind_nat_report();
  want.local_address = want.mapped_address = public_socket;
  want.behind_nat = false;
  want.hairpinning.reset();
  want.mapping = Mapping::endpoint_independent;
  want.filtering = Filtering::address_and_port_dependent;
  expect_report(discover({.nat = fw}), want, ClassicNat::firewall);
}

TEST(NatDiscoverySim, EndpointIndependentMappingAndFilteringIsFullCone) {
  NatReport want = behind_nat_report();
  want.mapping = Mapping::endpoint_independent;
  want.filtering = Filtering::endpoint_independent;
  NatReport got = discover({.nat = nat_with(eim, eim)});
  expect_report(got, want, ClassicNat::full_cone);
  EXPECT_EQ(got.advice.at(0), "Direct calls will work with peers behind any NAT, including symmetric ones");
}

TEST(NatDiscoverySim, EndpointIndependentMappingWithAddressDependentFilteringIsRestrictedCone) {
  NatReport want = behind_nat_report();
  want.mapping = Mapping::endpoint_independent;
  want.filtering = Filtering::address_dependent;
  expect_report(discover({.nat = nat_with(eim, adm)}), want, ClassicNat::restricted_cone);
}

TEST(NatDiscoverySim, EndpointIndependentMappingWithPortDependentFilteringIsPortRestrictedCone) {
  NatReport want = behind_nat_report();
  want.mapping = Mapping::endpoint_independent;
  want.filtering = Filtering::address_and_port_dependent;
  NatReport got = discover({.nat = nat_with(eim, apdm)});
  expect_report(got, want, ClassicNat::port_restricted_cone);
  EXPECT_EQ(got.advice.at(0), "Direct calls will work with peers behind any NAT except symmetric ones");
  EXPECT_EQ(got.advice.at(1), "A relay will be needed when calling peers behind symmetric NATs");
}

TEST(NatDiscoverySim, AddressDependentMappingIsSymmetric) {
  NatReport want = behind_nat_report();
  want.mapping = Mapping::address_dependent;
  want.filtering = Filtering::address_and_port_dependent;
  expect_report(discover({.nat = nat_with(adm, apdm)}), want, ClassicNat::symmetric);
}

TEST(NatDiscoverySim, AddressAndPortDependentMappingIsSymmetric) {
  NatReport want = behind_nat_report();
  want.mapping = Mapping::address_and_port_dependent;
  want.filtering = Filtering::address_and_port_dependent;
  NatReport got = discover({.nat = nat_with(apdm, apdm)});
  expect_report(got, want, ClassicNat::symmetric);
  EXPECT_EQ(got.advice.at(1), "A relay will be needed when calling peers behind port-restricted-cone or symmetric NATs");
}

TEST(NatDiscoverySim, PortDependentMappingWithOpenFilteringIsStillSymmetric) {
  NatReport want = behind_nat_report();
  want.mapping = Mapping::address_and_port_dependent;
  want.filtering = Filtering::endpoint_independent;
  expect_report(discover({.nat = nat_with(apdm, eim)}), want, ClassicNat::symmetric);
}

TEST(NatDiscoverySim, ANatThatDropsAllUdpIsReportedAsUdpBlockedAfterFourRequests) {
  auto blocked = nat_with(eim, eim);
  blocked.udp_blocked = true;
  NatReport want;
  want.server = server_primary;
  want.local_address = private_socket;
  want.notes = {"No answer from the server over UDP after 4 requests: UDP is blocked (or the server is down)"};
  DiscoveryRun run({.nat = blocked});
  NatReport got = run.run();
  expect_report(got, want, ClassicNat::udp_blocked);
  EXPECT_EQ(got.advice, std::vector<std::string>{"UDP is blocked: calls need a relay over TCP/TLS"});
  // Sent at 0, 250, 750 and 1750 ms; given up 8 × 250 ms after the last.
  EXPECT_EQ(run.elapsed(), std::chrono::milliseconds(3750));
  EXPECT_EQ(run.world().nat(1).counters().blocked, 4u);
}

TEST(NatDiscoverySim, AFullConeNatThatHairpinsIsReportedAsHairpinning) {
  NatReport want = behind_nat_report();
  want.mapping = Mapping::endpoint_independent;
  want.filtering = Filtering::endpoint_independent;
  want.hairpinning = true;
  expect_report(discover({.nat = nat_with(eim, eim, true)}), want, ClassicNat::full_cone);
}

TEST(NatDiscoverySim, APortRestrictedNatThatHairpinsIsReportedAsHairpinning) {
  NatReport want = behind_nat_report();
  want.mapping = Mapping::endpoint_independent;
  want.filtering = Filtering::address_and_port_dependent;
  want.hairpinning = true;
  expect_report(discover({.nat = nat_with(eim, apdm, true)}), want, ClassicNat::port_restricted_cone);
}

TEST(NatDiscoverySim, HairpinningIsLeftNullWhenNotAskedFor) {
  NatReport want = behind_nat_report();
  want.mapping = Mapping::endpoint_independent;
  want.filtering = Filtering::endpoint_independent;
  want.hairpinning.reset();
  expect_report(discover({.nat = nat_with(eim, eim), .hairpinning_test = false}), want, ClassicNat::full_cone);
}

TEST(NatDiscoverySim, RunsTheFilteringTestsBeforeTheMappingTestsThatWouldOpenTheFilter) {
  using snatmap::DiscoveryStep;
  DiscoveryRun run({.nat = nat_with(apdm, apdm, true)});
  std::vector<DiscoveryStep> steps;
  run.world().run_until(
      [&] {
        auto step = run.discovery().progress().step;
        if (steps.empty() || steps.back() != step) steps.push_back(step);
        return run.discovery().is_done();
      },
      std::chrono::hours(1));
  EXPECT_EQ(steps, (std::vector<DiscoveryStep>{DiscoveryStep::binding, DiscoveryStep::filtering_change_ip_port,
                                               DiscoveryStep::filtering_change_port, DiscoveryStep::mapping_other_ip,
                                               DiscoveryStep::mapping_other_ip_port, DiscoveryStep::hairpinning,
                                               DiscoveryStep::done}));
}

const char* const no_rfc5780_note =
    "The server did not send OTHER-ADDRESS (no RFC 5780 support): mapping behaviour cannot be tested, "
    "and filtering only with a change of port";

TEST(NatDiscoverySim, AServerWithoutAnAlternateAddressLeavesMappingUnknownAndSaysWhy) {
  NatReport want = behind_nat_report();
  want.rfc5780 = false;
  want.other_address.reset();
  want.notes = {no_rfc5780_note,
                "Filtering lets in another port of the same address, so it is endpoint-independent or "
                "address-dependent; without a change of IP address the two cannot be told apart"};
  NatReport got = discover({.nat = nat_with(eim, adm), .server_has_alternate = false});
  expect_report(got, want, ClassicNat::unknown);
  EXPECT_EQ(got.advice.back(),
            "The server does not support RFC 5780 behaviour discovery, so the NAT type is only partly known; "
            "test against a server with two addresses for a full answer");
}

TEST(NatDiscoverySim, AServerWithoutAnAlternateAddressCannotTellPortFilteringFromAnIgnoredChangeRequest) {
  NatReport want = behind_nat_report();
  want.rfc5780 = false;
  want.other_address.reset();
  want.notes = {no_rfc5780_note,
                "No answer to a change-port request: either the server ignores CHANGE-REQUEST or the filtering "
                "is address-and-port-dependent"};
  expect_report(discover({.nat = nat_with(eim, apdm), .server_has_alternate = false}), want, ClassicNat::unknown);
}

TEST(NatDiscoverySim, RetransmissionsCarryTheTestsThroughALossyLink) {
  NatReport want = behind_nat_report();
  want.mapping = Mapping::endpoint_independent;
  want.filtering = Filtering::address_dependent;
  DiscoveryRun run({.nat = nat_with(eim, adm), .client_link = {std::chrono::milliseconds(10), 0.2}, .seed = 3});
  NatReport got = run.run();
  expect_report(got, want, ClassicNat::restricted_cone);
  EXPECT_GT(run.world().counters().lost, 0u);
}

TEST(NatDiscoverySim, TheLifetimeProbeFindsAMappingThatExpiresAfterNinetySeconds) {
  auto nat = nat_with(eim, apdm);
  nat.mapping_lifetime = std::chrono::seconds(90);
  NatReport want = behind_nat_report();
  want.mapping = Mapping::endpoint_independent;
  want.filtering = Filtering::address_and_port_dependent;
  want.mapping_lifetime = 60;             // survived 60 s of silence...
  want.mapping_lifetime_expired_by = 90;  // ...but not 90
  DiscoveryRun run({.nat = nat, .lifetime_test = true});
  NatReport got = run.run();
  expect_report(got, want, ClassicNat::port_restricted_cone);
  EXPECT_GT(run.elapsed(), std::chrono::seconds(10 + 20 + 30 + 60 + 90));
}

TEST(NatDiscoverySim, TheLifetimeProbeStopsAtItsMaximumDurationWhenTheMappingOutlivesIt) {
  auto nat = nat_with(eim, eim);
  nat.mapping_lifetime = std::chrono::minutes(20);
  NatReport want = behind_nat_report();
  want.mapping = Mapping::endpoint_independent;
  want.filtering = Filtering::endpoint_independent;
  want.mapping_lifetime = 180;  // 10+20+30+60+90+120+180 s fit in 10 minutes; 300 more would not
  want.notes = {"The mapping survived every idle time tried; it lasts at least 180 s"};
  expect_report(discover({.nat = nat, .lifetime_test = true}), want, ClassicNat::full_cone);
}

}  // namespace
}  // namespace confab::sim
