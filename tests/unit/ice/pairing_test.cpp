// Forming the check list (RFC 8445 §6.1.2): pairing by component and
// address family, server-reflexive candidates replaced by their bases,
// priorities by role, the limits, and the relayed-candidate seam.
#include <gtest/gtest.h>

#include "ice_test_util.hpp"

namespace confab::ice {
namespace {

using namespace test;

Bytes reflector_answer(const Transmit& request, SocketAddress mapped) {
  auto m = stun::parse(request.bytes);
  return stun::MessageBuilder(stun::MessageClass::success_response, stun::method::binding, m->transaction_id)
      .add_xor_address(stun::attr::xor_mapped_address, mapped)
      .finish();
}

TEST(Pairing, PairsEachLocalCandidateWithTheRemoteOnesOfItsComponentAndFamily) {
  IceConfig c;
  c.role = Role::controlling;
  c.components = 2;
  c.local_addresses = {{1, host_a, std::nullopt}, {2, sa("10.0.0.1:5001"), std::nullopt},
                       {1, sa("[2001:db8::1]:5000"), std::nullopt}};
  Solo s(c);
  s.agent.set_remote_credentials(s.now, creds_b);
  s.agent.add_remote_candidate(s.now, remote_host(host_b, "1", 1));
  s.agent.add_remote_candidate(s.now, remote_host(sa("10.0.0.2:6001"), "1", 2));
  s.agent.add_remote_candidate(s.now, remote_host(sa("[2001:db8::2]:6000"), "2", 1));
  auto pairs = s.agent.pairs();
  ASSERT_EQ(pairs.size(), 3u);
  for (const auto& p : pairs) {
    EXPECT_EQ(p.local.component, p.remote.component);
    EXPECT_EQ(p.local.address.ip.family(), p.remote.address.ip.family());
  }
}

TEST(Pairing, OrdersPairsByPairPriorityAndComputesItFromTheControllingSide) {
  Solo s(config_for(Role::controlled, host_a, creds_a));
  s.agent.set_remote_credentials(s.now, creds_b);
  Candidate srflx = remote_host(sa("198.51.100.2:40000"), "2");
  srflx.type = CandidateType::server_reflexive;
  srflx.priority = candidate_priority(100, 65535, 1);
  s.agent.add_remote_candidate(s.now, srflx);
  s.agent.add_remote_candidate(s.now, remote_host(host_b, "1"));
  auto pairs = s.agent.pairs();
  ASSERT_EQ(pairs.size(), 2u);
  EXPECT_EQ(pairs[0].remote.address, host_b);
  // Controlled: G is the remote (controlling) candidate's priority.
  EXPECT_EQ(pairs[0].priority, pair_priority(candidate_priority(126, 65535, 1), candidate_priority(126, 65535, 1)));
  EXPECT_EQ(pairs[1].priority, pair_priority(srflx.priority, candidate_priority(126, 65535, 1)));
  EXPECT_GT(pairs[0].priority, pairs[1].priority);
}

TEST(Pairing, ReplacesServerReflexiveCandidatesByTheirBase) {
  IceConfig c = config_for(Role::controlling, host_a, creds_a);
  c.stun_servers = {stun_server};
  Solo s(c);
  s.advance(0ms);
  s.receive(host_a, stun_server, reflector_answer(s.sent[0].t, sa("198.51.100.1:40000")));
  ASSERT_EQ(s.agent.local_candidates().size(), 2u);
  s.agent.set_remote_credentials(s.now, creds_b);
  s.agent.add_remote_candidate(s.now, remote_host(host_b));
  // srflx:host would be host:host once replaced by its base: one pair.
  auto pairs = s.agent.pairs();
  ASSERT_EQ(pairs.size(), 1u);
  EXPECT_EQ(pairs[0].local.type, CandidateType::host);
}

TEST(Pairing, RejectsUnusableRemoteCandidates) {
  Solo s(config_for(Role::controlling, host_a, creds_a));
  Candidate tcp = remote_host(host_b);
  tcp.transport = Transport::tcp;
  EXPECT_FALSE(s.agent.add_remote_candidate(s.now, tcp));
  EXPECT_FALSE(s.agent.add_remote_candidate(s.now, remote_host(host_b, "1", 2)));  // no component 2
  EXPECT_FALSE(s.agent.add_remote_candidate(s.now, remote_host(sa("0.0.0.0:6000"))));
  EXPECT_FALSE(s.agent.add_remote_candidate(s.now, remote_host(sa("10.0.0.2:0"))));
  EXPECT_FALSE(s.agent.add_remote_candidate(s.now, remote_host(host_b, "")));
  EXPECT_TRUE(s.agent.add_remote_candidate(s.now, remote_host(host_b)));
  EXPECT_FALSE(s.agent.add_remote_candidate(s.now, remote_host(host_b)));  // duplicate
}

TEST(Limits, AtMostMaxRemoteCandidatesAndMaxPairs) {
  IceConfig c = config_for(Role::controlling, host_a, creds_a);
  c.local_addresses.push_back({1, sa("10.0.0.3:5000"), std::nullopt});
  Solo s(c);
  s.agent.set_remote_credentials(s.now, creds_b);
  int accepted = 0;
  for (int i = 0; i < 150; ++i) {
    const std::string addr = "10.1." + std::to_string(i / 200) + "." + std::to_string(i % 200 + 1) + ":6000";
    accepted += s.agent.add_remote_candidate(s.now, remote_host(sa(addr), std::to_string(i + 1)));
  }
  EXPECT_EQ(accepted, 100);
  EXPECT_EQ(s.agent.pairs().size(), 100u);  // 2 local × 100 remote, cut to §6.1.2.5's 100
  // Requests from new addresses no longer teach candidates once the limit is reached.
  s.receive(host_a, sa("10.2.0.1:7000"), check_from_peer(creds_a, creds_b, Role::controlled, 1));
  EXPECT_EQ(s.agent.remote_candidates().size(), 100u);
  EXPECT_EQ(s.message(0).cls, stun::MessageClass::success_response);  // still answered
}

TEST(RelaySeam, ARelayedCandidateIsSignalledPairedAndCheckedFromTheRelayedAddress) {
  Solo s(config_for(Role::controlling, host_a, creds_a));
  const SocketAddress relayed = sa("203.0.113.50:49152");
  s.agent.add_relay_candidate(s.now, 1, relayed, sa("198.51.100.1:40000"), ip("203.0.113.50"));
  s.drain();
  auto gathered = events_of<event::CandidateGathered>(s.events);
  ASSERT_EQ(gathered.size(), 2u);
  const Candidate& relay = gathered[1].candidate;
  EXPECT_EQ(relay.type, CandidateType::relayed);
  EXPECT_EQ(relay.base, relayed);
  EXPECT_EQ(relay.related, sa("198.51.100.1:40000"));
  EXPECT_EQ(relay.priority, candidate_priority(0, 65535, 1));
  s.agent.set_remote_credentials(s.now, creds_b);
  s.agent.add_remote_candidate(s.now, remote_host(host_b));
  s.advance(200ms);
  ASSERT_EQ(s.sent.size(), 2u);
  EXPECT_EQ(s.sent[1].t.local, relayed);  // the TURN client sends it through the allocation
  // What comes back through the allocation is handed in on the relayed address.
  EXPECT_EQ(s.receive(relayed, host_b, success_for(s.sent[1].t, relayed, creds_b.pwd)), Received::stun);
  bool relay_valid = false;
  for (const auto& p : s.agent.pairs()) relay_valid |= p.valid && p.local.type == CandidateType::relayed;
  EXPECT_TRUE(relay_valid);
}

}  // namespace
}  // namespace confab::ice
