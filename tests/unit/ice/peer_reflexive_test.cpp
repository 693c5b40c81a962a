// Peer-reflexive candidates (RFC 8445 §7.2.5.3.1, §7.3.1.3) and triggered
// checks (§7.3.1.4).
#include <gtest/gtest.h>

#include <algorithm>

#include "ice_test_util.hpp"

namespace confab::ice {
namespace {

using namespace test;

const SocketAddress peer_nat = sa("198.51.100.7:41000");

TEST(PeerReflexive, ARequestFromAnUnknownAddressTeachesARemoteCandidateAndTriggersACheck) {
  Solo s(config_for(Role::controlled, host_b, creds_b));
  s.agent.set_remote_credentials(s.now, creds_a);
  s.agent.add_remote_candidate(s.now, remote_host(host_a));
  s.advance(0ms);
  s.take();  // the ordinary check to host_a
  s.receive(host_b, peer_nat, check_from_peer(creds_b, creds_a, Role::controlling, 1, false, 1862270975));
  auto remotes = s.agent.remote_candidates();
  ASSERT_EQ(remotes.size(), 2u);
  EXPECT_EQ(remotes[1].type, CandidateType::peer_reflexive);
  EXPECT_EQ(remotes[1].address, peer_nat);
  EXPECT_EQ(remotes[1].priority, 1862270975u);  // the request's PRIORITY
  EXPECT_NE(remotes[1].foundation, remotes[0].foundation);
  // The triggered check goes out at the next Ta tick, ahead of ordinary ones.
  s.advance(50ms);
  ASSERT_EQ(s.sent.size(), 2u);  // the answer, then the check
  EXPECT_EQ(s.sent[1].t.remote, peer_nat);
  EXPECT_EQ(s.message(1).cls, stun::MessageClass::request);
  EXPECT_EQ(s.agent.pairs().size(), 2u);  // the learned candidate is paired with the base only
}

TEST(PeerReflexive, ALearnedCandidateTakesTheSignalledIdentityWhenItArrives) {
  Solo s(config_for(Role::controlled, host_b, creds_b));
  s.agent.set_remote_credentials(s.now, creds_a);
  s.receive(host_b, peer_nat, check_from_peer(creds_b, creds_a, Role::controlling, 1));
  Candidate srflx = remote_host(peer_nat, "9");
  srflx.type = CandidateType::server_reflexive;
  srflx.priority = candidate_priority(100, 65535, 1);
  srflx.related = host_a;
  EXPECT_TRUE(s.agent.add_remote_candidate(s.now, srflx));
  auto remotes = s.agent.remote_candidates();
  ASSERT_EQ(remotes.size(), 1u);
  EXPECT_EQ(remotes[0].type, CandidateType::server_reflexive);
  EXPECT_EQ(remotes[0].foundation, "9");
  EXPECT_FALSE(s.agent.add_remote_candidate(s.now, srflx));  // now a duplicate
}

TEST(PeerReflexive, AnUnknownMappedAddressInAResponseBecomesALocalCandidateThatIsNotSignalled) {
  Solo s(config_for(Role::controlled, host_a, creds_a));
  s.agent.set_remote_credentials(s.now, creds_b);
  s.agent.add_remote_candidate(s.now, remote_host(host_b));
  s.advance(0ms);
  const std::size_t events_before = s.events.size();
  s.receive(host_a, host_b, success_for(s.sent[0].t, sa("198.51.100.9:40001"), creds_b.pwd));
  auto pairs = s.agent.pairs();
  ASSERT_EQ(pairs.size(), 2u);
  EXPECT_EQ(pairs[0].state, PairState::succeeded);
  EXPECT_FALSE(pairs[0].valid);  // the valid pair is the reflexive one
  EXPECT_FALSE(pairs[1].state);  // on no check list
  EXPECT_TRUE(pairs[1].valid);
  EXPECT_EQ(pairs[1].local.type, CandidateType::peer_reflexive);
  EXPECT_EQ(pairs[1].local.address, sa("198.51.100.9:40001"));
  EXPECT_EQ(pairs[1].local.base, host_a);
  EXPECT_EQ(pairs[1].local.priority, candidate_priority(110, 65535, 1));  // the PRIORITY sent
  EXPECT_EQ(s.agent.local_candidates().size(), 1u);
  EXPECT_TRUE(events_of<event::CandidateGathered>(
                  std::vector<Event>(s.events.begin() + static_cast<std::ptrdiff_t>(events_before), s.events.end()))
                  .empty());
}

TEST(PeerReflexive, ARequestOnAPairInProgressCancelsItsRetransmissionsAndChecksAgain) {
  Solo s(config_for(Role::controlled, host_b, creds_b));
  s.agent.set_remote_credentials(s.now, creds_a);
  s.agent.add_remote_candidate(s.now, remote_host(host_a));
  s.advance(0ms);
  ASSERT_EQ(s.sent.size(), 1u);
  const auto first = s.sent[0].t.bytes;
  s.advance(100ms);
  s.receive(host_b, host_a, check_from_peer(creds_b, creds_a, Role::controlling, 1));
  s.advance(10s);
  // The answer, the new check at the next tick, and that check's retransmissions only.
  std::size_t old_copies = 0;
  for (const auto& x : s.sent) old_copies += x.t.bytes == first;
  EXPECT_EQ(old_copies, 1u);
  EXPECT_EQ(s.sent[1].t.local, host_b);
  EXPECT_EQ(s.message(1).cls, stun::MessageClass::success_response);
  EXPECT_EQ(s.message(2).cls, stun::MessageClass::request);
  EXPECT_EQ(s.sent[2].at, t0 + 100ms);
  // A late answer to the cancelled check still counts.
  s.receive(host_b, host_a, success_for(Transmit{Transport::udp, host_b, host_a, first}, host_b, creds_a.pwd));
  EXPECT_EQ(s.agent.pairs()[0].state, PairState::succeeded);
}

}  // namespace
}  // namespace confab::ice
