// Two agents back to back (no NAT): regular nomination by the controlling
// agent (RFC 8445 §8.1.1), selection on both sides, the stabilization delay,
// two components, and role conflicts settled on the wire.
#include <gtest/gtest.h>

#include "ice_test_util.hpp"

namespace confab::ice {
namespace {

using namespace test;
namespace attr = stun::attr;

bool is_request_with(const Transmit& t, std::uint16_t attribute) {
  auto m = stun::parse(t.bytes);
  return m && m->cls == stun::MessageClass::request && m->has(attribute);
}

TEST(Nomination, TheControllingAgentNominatesAndBothSelectTheSamePair) {
  Duo duo(config_for(Role::controlling, host_a, creds_a), config_for(Role::controlled, host_b, creds_b));
  duo.signal();
  ASSERT_TRUE(duo.connect(2s));
  auto a = duo.a().selected_pair();
  auto b = duo.b().selected_pair();
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->local.address, host_a);
  EXPECT_EQ(a->remote.address, host_b);
  EXPECT_EQ(b->local.address, host_b);
  EXPECT_EQ(b->remote.address, host_a);
  EXPECT_EQ(a->priority, b->priority);
  ASSERT_EQ(events_of<event::SelectedPairChanged>(duo.events_a).size(), 1u);
  ASSERT_EQ(events_of<event::SelectedPairChanged>(duo.events_b).size(), 1u);
  // One nomination, from the controlling side only.
  std::size_t with_use_candidate = 0;
  for (const auto& t : duo.wire) {
    if (!is_request_with(t, attr::use_candidate)) continue;
    ++with_use_candidate;
    EXPECT_EQ(t.local, host_a);
  }
  EXPECT_EQ(with_use_candidate, 1u);
  auto states = events_of<event::StateChanged>(duo.events_a);
  ASSERT_EQ(states.size(), 2u);
  EXPECT_EQ(states[0].state, IceState::checking);
  EXPECT_EQ(states[1].state, IceState::connected);
}

TEST(Nomination, RepeatsTheValidPairsCheckWithUseCandidateBeforeIntegrity) {
  Duo duo(config_for(Role::controlling, host_a, creds_a), config_for(Role::controlled, host_b, creds_b));
  duo.signal();
  ASSERT_TRUE(duo.connect(2s));
  for (const auto& t : duo.wire) {
    if (!is_request_with(t, attr::use_candidate)) continue;
    auto m = stun::parse(t.bytes);
    std::vector<std::uint16_t> types;
    for (const auto& a : m->attributes) types.push_back(a.type);
    EXPECT_EQ(types, (std::vector<std::uint16_t>{attr::username, attr::priority, attr::ice_controlling,
                                                 attr::use_candidate, attr::message_integrity, attr::fingerprint}));
    EXPECT_EQ(*m->u64(attr::ice_controlling), duo.a().tie_breaker());
    EXPECT_TRUE(stun::verify_message_integrity(*m, password_key(creds_b.pwd)));
    // The same pair as the check that made it valid.
    EXPECT_EQ(t.local, host_a);
    EXPECT_EQ(t.remote, host_b);
  }
}

TEST(Nomination, TheControlledAgentSelectsNothingUntilNominated) {
  auto a = config_for(Role::controlling, host_a, creds_a);
  a.nomination_delay = 5s;
  Duo duo(a, config_for(Role::controlled, host_b, creds_b));
  duo.drop = [](const Transmit& t) { return is_request_with(t, attr::use_candidate); };
  duo.signal();
  duo.run_for(3s);
  // Both see the pair valid; with nothing better pending A nominates at once,
  // but its USE-CANDIDATE checks are lost.
  EXPECT_FALSE(duo.b().selected_pair());
  EXPECT_EQ(duo.b().state(), IceState::checking);
  duo.drop = [](const Transmit&) { return false; };
  ASSERT_TRUE(duo.connect(10s));
}

TEST(Nomination, WaitsForABetterPairStillInProgressButNotForever) {
  // B has two interfaces; the preferred one is unreachable.
  auto b = config_for(Role::controlled, host_b, creds_b);
  const SocketAddress dead = sa("10.9.9.9:6000");
  b.local_addresses.insert(b.local_addresses.begin(), LocalAddress{1, dead, std::nullopt});
  auto a = config_for(Role::controlling, host_a, creds_a);
  a.nomination_delay = 1s;
  Duo duo(a, b);
  duo.drop = [&](const Transmit& t) { return t.remote == dead || t.local == dead; };
  duo.signal();
  ASSERT_TRUE(duo.run_until([&] { return duo.a().state() == IceState::connected; }, 10s));
  // The first valid pair came within ~100 ms, the nomination a second later.
  EXPECT_GE(duo.now() - t0, 1s);
  EXPECT_LT(duo.now() - t0, 1500ms);
  EXPECT_EQ(duo.a().selected_pair()->remote.address, host_b);
}

TEST(Nomination, ConnectsBothComponentsBeforeReportingConnected) {
  auto a = config_for(Role::controlling, host_a, creds_a);
  a.components = 2;
  a.local_addresses.push_back({2, sa("10.0.0.1:5001"), std::nullopt});
  auto b = config_for(Role::controlled, host_b, creds_b);
  b.components = 2;
  b.local_addresses.push_back({2, sa("10.0.0.2:6001"), std::nullopt});
  Duo duo(a, b);
  duo.drop = [&](const Transmit& t) { return duo.now() < t0 + 2s && t.local.port == 5001; };
  duo.signal();
  duo.run_for(1s);
  EXPECT_FALSE(duo.a().selected_pair(1));  // nothing is nominated while a component has no valid pair
  EXPECT_NE(duo.a().state(), IceState::connected);
  ASSERT_TRUE(duo.connect(60s));
  EXPECT_EQ(duo.a().selected_pair(2)->local.address, sa("10.0.0.1:5001"));
  EXPECT_EQ(duo.b().selected_pair(2)->local.address, sa("10.0.0.2:6001"));
}

// RFC 5761 §5.1.3: the offerer gathered for RTP and RTCP, the answer
// accepted rtcp-mux; component 2 goes, even when its checks were under way.
TEST(Nomination, ReducingToOneComponentForRtcpMuxConnectsWithoutTheSecond) {
  auto a = config_for(Role::controlling, host_a, creds_a);
  a.components = 2;
  a.local_addresses.push_back({2, sa("10.0.0.1:5001"), std::nullopt});
  auto b = config_for(Role::controlled, host_b, creds_b);
  b.components = 2;
  b.local_addresses.push_back({2, sa("10.0.0.2:6001"), std::nullopt});
  Duo duo(a, b);
  duo.drop = [&](const Transmit& t) { return t.local.port == 5001 || t.local.port == 6001; };  // RTCP never gets through
  duo.signal();
  duo.run_for(200ms);
  EXPECT_FALSE(duo.a().reduce_components(duo.now(), 2));  // only fewer
  ASSERT_TRUE(duo.a().reduce_components(duo.now(), 1));
  ASSERT_TRUE(duo.b().reduce_components(duo.now(), 1));
  ASSERT_TRUE(duo.connect(5s));
  EXPECT_FALSE(duo.a().selected_pair(2));
  for (const auto& c : duo.a().local_candidates()) EXPECT_EQ(c.component, 1);
  for (const auto& p : duo.a().pairs()) EXPECT_EQ(p.local.component, 1);
}

TEST(Nomination, TwoControllingAgentsSettleTheConflictAndConnect) {
  Duo duo(config_for(Role::controlling, host_a, creds_a), config_for(Role::controlling, host_b, creds_b));
  duo.signal();
  ASSERT_TRUE(duo.connect(5s));
  EXPECT_NE(duo.a().role(), duo.b().role());
  // The agent with the smaller tie-breaker gave in.
  auto& loser = duo.a().tie_breaker() < duo.b().tie_breaker() ? duo.events_a : duo.events_b;
  auto roles = events_of<event::RoleChanged>(loser);
  ASSERT_EQ(roles.size(), 1u);
  EXPECT_EQ(roles[0].role, Role::controlled);
  EXPECT_EQ(duo.a().selected_pair()->remote.address, host_b);
}

TEST(Nomination, TwoControlledAgentsSettleTheConflictAndConnect) {
  Duo duo(config_for(Role::controlled, host_a, creds_a), config_for(Role::controlled, host_b, creds_b));
  duo.signal();
  ASSERT_TRUE(duo.connect(5s));
  EXPECT_NE(duo.a().role(), duo.b().role());
  auto& winner = duo.a().tie_breaker() > duo.b().tie_breaker() ? duo.a() : duo.b();
  EXPECT_EQ(winner.role(), Role::controlling);
}

TEST(Nomination, AgainstALitePeerTheFullAgentControls) {
  Solo s(config_for(Role::controlled, host_a, creds_a));
  s.agent.set_remote_credentials(s.now, creds_b, /*remote_lite=*/true);
  EXPECT_EQ(s.agent.role(), Role::controlling);
  s.drain();
  ASSERT_EQ(events_of<event::RoleChanged>(s.events).size(), 1u);
}

TEST(Nomination, MediaPacketsArriveAsNotStun) {
  Duo duo(config_for(Role::controlling, host_a, creds_a), config_for(Role::controlled, host_b, creds_b));
  duo.signal();
  ASSERT_TRUE(duo.connect());
  const Bytes rtp{0x80, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0, 1};
  EXPECT_EQ(duo.b().handle_datagram(duo.now(), Datagram{Transport::udp, host_b, host_a, rtp}), Received::not_stun);
}

}  // namespace
}  // namespace confab::ice
