// Two ICE agents, each behind its own NAT of every RFC 4787 class (or on
// the open internet), with confabd's reflector: the outcome must be what
// hole-punching theory predicts (ice_expectations.hpp, src/ice/README.md),
// under three latency profiles, trickled and not.
#include <gtest/gtest.h>

#include <string>

#include "sim/ice_expectations.hpp"
#include "sim/ice_scenario.hpp"

namespace confab::sim::icesim {
namespace {

using namespace std::chrono_literals;

// One side's network: a NAT class, or none (open internet).
struct Class {
  std::optional<Behaviours> b;
  std::string name() const {
    if (!b) return "Open";
    auto n = [](Behaviour x) {
      switch (x) {
        case Behaviour::endpoint_independent: return std::string("EI");
        case Behaviour::address_dependent: return std::string("AD");
        case Behaviour::address_and_port_dependent: return std::string("APD");
      }
      return std::string();
    };
    return n(b->mapping) + "map" + n(b->filtering) + "filt";
  }
};

std::vector<Class> all_classes() {
  std::vector<Class> out{{std::nullopt}};
  for (auto m : {Behaviour::endpoint_independent, Behaviour::address_dependent, Behaviour::address_and_port_dependent})
    for (auto f :
         {Behaviour::endpoint_independent, Behaviour::address_dependent, Behaviour::address_and_port_dependent})
      out.push_back({Behaviours{m, f}});
  return out;
}

struct Profile {
  const char* name;
  Link host;
  Duration nat_delay;
  Duration signaling;
  Duration bound;  // time to connect, no loss
};

const Profile profiles[] = {
    {"lan-like", {1ms, 0}, 1ms, 20ms, 2s},
    {"default", {10ms, 0}, 5ms, 50ms, 2s},
    {"intercontinental", {150ms, 0}, 20ms, 300ms, 4s},
};

Site site(const Class& c, const IpAddress& public_ip, const Profile& p) {
  Site s;
  s.link = p.host;
  s.nat_link = {p.nat_delay, 0};
  if (c.b) s.nat = nat(c.b->mapping, c.b->filtering, public_ip);
  return s;
}

class IceNatMatrix : public ::testing::TestWithParam<std::tuple<Class, Class>> {};

TEST_P(IceNatMatrix, ConnectsExactlyWhenTheoryPredictsADirectPath) {
  const auto& [ca, cb] = GetParam();
  std::string why;
  const bool expected = direct_path_expected(ca.b, cb.b, &why);
  SCOPED_TRACE(ca.name() + " <-> " + cb.name() + ": expected " + (expected ? "a direct path" : "failure") + " (" +
               why + ")");
  std::uint64_t seed = 1;
  for (const Profile& p : profiles) {
    for (bool trickle : {true, false}) {
      SCOPED_TRACE(std::string(p.name) + (trickle ? ", trickle" : ", full SDP"));
      IceScenario s;
      s.a = site(ca, ip("198.51.100.1"), p);
      s.b = site(cb, ip("198.51.100.2"), p);
      s.signaling_delay = p.signaling;
      s.server_link = p.host;
      s.seed = seed++;
      IceOutcome o = run_ice(s);
      if (expected) {
        ASSERT_TRUE(o.connected()) << "states " << to_string(o.a) << "/" << to_string(o.b);
        ASSERT_TRUE(o.a_pair && o.b_pair);
        // Both ends agree on the path: what A sends from is what B sends to.
        EXPECT_EQ(o.a_pair->local.address, o.b_pair->remote.address);
        EXPECT_EQ(o.b_pair->local.address, o.a_pair->remote.address);
        EXPECT_LE(*o.time_to_connect(), p.bound);
      } else {
        EXPECT_TRUE(o.failed()) << "states " << to_string(o.a) << "/" << to_string(o.b);
        EXPECT_FALSE(o.a_pair);
        EXPECT_FALSE(o.b_pair);
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(EveryPairOfNatClasses, IceNatMatrix,
                         ::testing::Combine(::testing::ValuesIn(all_classes()), ::testing::ValuesIn(all_classes())),
                         [](const auto& p) {
                           return std::get<0>(p.param).name() + "_" + std::get<1>(p.param).name();
                         });

}  // namespace
}  // namespace confab::sim::icesim
