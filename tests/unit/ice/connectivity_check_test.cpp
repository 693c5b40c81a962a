// The checks an agent sends (RFC 8445 §7.1, §7.2): their exact attributes,
// Ta pacing, the RTO of §14.3, retransmissions, and failure.
#include <gtest/gtest.h>

#include "ice_test_util.hpp"

namespace confab::ice {
namespace {

using namespace test;
namespace attr = stun::attr;

// A controlling agent on host_a that knows the peer's credentials and `n`
// remote host candidates 10.0.1.1..n (each its own foundation).
Solo checking_agent(int n, Role role = Role::controlling, Duration max_rto = 2s) {
  auto c = config_for(role, host_a, creds_a);
  c.max_check_rto = max_rto;
  Solo s(c);
  s.agent.set_remote_credentials(s.now, creds_b);
  for (int i = 1; i <= n; ++i)
    s.agent.add_remote_candidate(s.now, remote_host(sa("10.0.1." + std::to_string(i) + ":6000"), std::to_string(i)));
  s.agent.end_of_remote_candidates(s.now);
  s.drain();
  return s;
}

TEST(ConnectivityCheck, CarriesUsernamePriorityRoleIntegrityAndFingerprintInThatOrder) {
  Solo s = checking_agent(1);
  s.advance(0ms);
  ASSERT_EQ(s.sent.size(), 1u);
  EXPECT_EQ(s.sent[0].t.local, host_a);
  EXPECT_EQ(s.sent[0].t.remote, sa("10.0.1.1:6000"));
  auto m = s.message(0);
  EXPECT_EQ(m.cls, stun::MessageClass::request);
  EXPECT_EQ(m.method, stun::method::binding);
  ASSERT_EQ(m.attributes.size(), 5u);
  EXPECT_EQ(m.attributes[0].type, attr::username);
  EXPECT_EQ(m.attributes[1].type, attr::priority);
  EXPECT_EQ(m.attributes[2].type, attr::ice_controlling);
  EXPECT_EQ(m.attributes[3].type, attr::message_integrity);
  EXPECT_EQ(m.attributes[4].type, attr::fingerprint);
  // The receiver's ufrag first; the receiver's password keys the integrity.
  EXPECT_EQ(*m.string(attr::username), "BBBBbbbb:AAAAaaaa");
  EXPECT_EQ(*m.u32(attr::priority), candidate_priority(110, 65535, 1));
  EXPECT_EQ(*m.u64(attr::ice_controlling), s.agent.tie_breaker());
  EXPECT_TRUE(stun::verify_message_integrity(m, password_key(creds_b.pwd)));
  EXPECT_FALSE(stun::verify_message_integrity(m, password_key(creds_a.pwd)));
  EXPECT_FALSE(m.has(attr::use_candidate));  // only a nomination carries it
  EXPECT_EQ(s.agent.state(), IceState::checking);
}

TEST(ConnectivityCheck, FromAControlledAgentCarriesIceControlled) {
  Solo s = checking_agent(1, Role::controlled);
  s.advance(0ms);
  auto m = s.message(0);
  EXPECT_FALSE(m.has(attr::ice_controlling));
  EXPECT_EQ(*m.u64(attr::ice_controlled), s.agent.tie_breaker());
}

TEST(ConnectivityCheck, StartsOnlyOnceTheRemoteCredentialsAreKnown) {
  Solo s(config_for(Role::controlling, host_a, creds_a));
  s.agent.add_remote_candidate(s.now, remote_host(host_b));
  s.advance(1s);
  EXPECT_TRUE(s.sent.empty());
  EXPECT_EQ(s.agent.state(), IceState::idle);
  s.agent.set_remote_credentials(s.now, creds_b);
  s.advance(0ms);
  EXPECT_EQ(s.sent.size(), 1u);
}

TEST(ConnectivityCheck, NewChecksArePacedByTa) {
  Solo s = checking_agent(3);
  s.advance(120ms);
  ASSERT_EQ(s.sent.size(), 3u);
  EXPECT_EQ(s.sent[0].at, t0);
  EXPECT_EQ(s.sent[1].at, t0 + 50ms);
  EXPECT_EQ(s.sent[2].at, t0 + 100ms);
  // Highest priority first: equal priorities here, so in the order given.
  EXPECT_EQ(s.sent[0].t.remote, sa("10.0.1.1:6000"));
  EXPECT_EQ(s.sent[2].t.remote, sa("10.0.1.3:6000"));
}

TEST(ConnectivityCheck, RetransmitsWithADoublingRtoThenFailsThePair) {
  Solo s = checking_agent(1);
  s.advance(60s);
  std::vector<Duration> at;
  for (const auto& x : s.sent) at.push_back(x.at - t0);
  // Rc = 7 transmissions, RTO 500 ms (§14.3's floor), then Rm = 16 × RTO.
  EXPECT_EQ(at, (std::vector<Duration>{0ms, 500ms, 1500ms, 3500ms, 7500ms, 15500ms, 31500ms}));
  for (const auto& x : s.sent) EXPECT_EQ(x.t.bytes, s.sent[0].t.bytes);
  EXPECT_EQ(s.agent.counters().checks_sent, 1u);
  EXPECT_EQ(s.agent.counters().retransmissions, 6u);
  ASSERT_EQ(s.agent.pairs().size(), 1u);
  EXPECT_EQ(s.agent.pairs()[0].state, PairState::failed);
  EXPECT_EQ(s.agent.state(), IceState::failed);
}

TEST(ConnectivityCheck, FailsTheStreamOnlyWhenThePeerHasNoMoreCandidatesToTrickle) {
  auto c = config_for(Role::controlling, host_a, creds_a);
  Solo s(c);
  s.agent.set_remote_credentials(s.now, creds_b);
  s.agent.add_remote_candidate(s.now, remote_host(host_b));
  s.advance(60s);
  EXPECT_EQ(s.agent.pairs()[0].state, PairState::failed);
  EXPECT_EQ(s.agent.state(), IceState::checking);
  s.agent.end_of_remote_candidates(s.now);
  s.drain();
  EXPECT_EQ(s.agent.state(), IceState::failed);
  EXPECT_EQ(s.last_state(), IceState::failed);
}

TEST(ConnectivityCheck, RtoGrowsWithTheListAsSection14_3SaysUpToTheCap) {
  // 8 pairs waiting: Ta · N · (waiting + in progress) = 50 ms · 8 · 8 = 3.2 s.
  Solo uncapped = checking_agent(8, Role::controlling, 10s);
  uncapped.advance(3200ms);
  ASSERT_EQ(uncapped.sent.size(), 9u);  // 8 first checks, then the first retransmission
  EXPECT_EQ(uncapped.sent[8].at - t0, 3200ms);
  EXPECT_EQ(uncapped.sent[8].t.bytes, uncapped.sent[0].t.bytes);

  Solo capped = checking_agent(8);  // the default cap: 2 s
  capped.advance(2s);
  ASSERT_EQ(capped.sent.size(), 9u);
  EXPECT_EQ(capped.sent[8].at - t0, 2s);
}

TEST(ConnectivityCheck, ASuccessMakesTheWholeFoundationWaiting) {
  IceConfig c = config_for(Role::controlled, host_a, creds_a);
  Solo s(c);
  s.agent.set_remote_credentials(s.now, creds_b);
  // Two peer candidates with the same foundation: one check at a time.
  s.agent.add_remote_candidate(s.now, remote_host(sa("10.0.1.1:6000"), "7", 1, 65535));
  s.agent.add_remote_candidate(s.now, remote_host(sa("10.0.1.1:6001"), "7", 1, 65000));
  s.advance(200ms);
  ASSERT_EQ(s.sent.size(), 1u);
  auto pairs = s.agent.pairs();
  EXPECT_EQ(pairs[1].state, PairState::frozen);
  s.receive(host_a, sa("10.0.1.1:6000"), success_for(s.sent[0].t, host_a, creds_b.pwd));
  EXPECT_EQ(s.agent.pairs()[0].state, PairState::succeeded);
  EXPECT_EQ(s.agent.pairs()[1].state, PairState::waiting);
  s.advance(100ms);
  ASSERT_EQ(s.sent.size(), 2u);
  EXPECT_EQ(s.sent[1].t.remote, sa("10.0.1.1:6001"));
}

TEST(ConnectivityCheck, AResponseWithAWrongIntegrityIsIgnored) {
  Solo s = checking_agent(1);
  s.advance(0ms);
  s.receive(host_a, sa("10.0.1.1:6000"), success_for(s.sent[0].t, host_a, "notthepasswordnotthepass"));
  EXPECT_EQ(s.agent.pairs()[0].state, PairState::in_progress);
  EXPECT_EQ(s.agent.counters().ignored, 1u);
}

TEST(ConnectivityCheck, AResponseFromAnotherAddressFailsThePair) {
  Solo s = checking_agent(1);
  s.advance(0ms);
  // §7.2.5.2.1: the source of the response must be where the request went.
  s.receive(host_a, sa("10.0.1.1:6999"), success_for(s.sent[0].t, host_a, creds_b.pwd));
  EXPECT_EQ(s.agent.pairs()[0].state, PairState::failed);
  EXPECT_FALSE(s.agent.pairs()[0].valid);
}

TEST(ConnectivityCheck, AnUnrecoverableErrorFailsThePair) {
  Solo s = checking_agent(1);
  s.advance(0ms);
  auto req = stun::parse(s.sent[0].t.bytes);
  s.receive(host_a, sa("10.0.1.1:6000"),
            build_error_response(req->transaction_id, 400, "Bad Request", password_key(creds_b.pwd)));
  EXPECT_EQ(s.agent.pairs()[0].state, PairState::failed);
}

TEST(ConnectivityCheck, ARoleConflictAnswerSwitchesRoleAndChecksThePairAgain) {
  Solo s = checking_agent(1);
  s.advance(0ms);
  auto req = stun::parse(s.sent[0].t.bytes);
  s.receive(host_a, sa("10.0.1.1:6000"),
            build_error_response(req->transaction_id, 487, "Role Conflict", password_key(creds_b.pwd)));
  EXPECT_EQ(s.agent.role(), Role::controlled);
  auto roles = events_of<event::RoleChanged>(s.events);
  ASSERT_EQ(roles.size(), 1u);
  EXPECT_EQ(roles[0].role, Role::controlled);
  EXPECT_EQ(s.agent.pairs()[0].state, PairState::waiting);
  s.advance(50ms);
  ASSERT_EQ(s.sent.size(), 2u);
  auto again = s.message(1);
  EXPECT_TRUE(again.has(attr::ice_controlled));
  EXPECT_NE(again.transaction_id, req->transaction_id);
}

}  // namespace
}  // namespace confab::ice
